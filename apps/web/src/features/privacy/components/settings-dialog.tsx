import type { PrivacySettings, PrivacySettingsPatch } from '@parley/protocol';
import { useId } from 'react';
import { Dialog } from '@/components/ui/dialog';
import { Spinner } from '@/components/ui/spinner';
import { usePrivacySettings } from '../hooks/use-privacy-settings';

interface Choice<K extends keyof PrivacySettings> {
  setting: K;
  label: string;
  hint: string;
  options: { value: PrivacySettings[K]; label: string }[];
}

const presenceChoice: Choice<'presence'> = {
  setting: 'presence',
  label: "Who can see when I'm online",
  hint: 'Whoever cannot see it sees you as offline.',
  options: [
    { value: 'everyone', label: 'Everyone' },
    { value: 'contacts', label: 'My contacts' },
    { value: 'nobody', label: 'Nobody' },
  ],
};

const directMessagesChoice: Choice<'directMessages'> = {
  setting: 'directMessages',
  label: 'Who can message me',
  hint: 'Until you accept a request, its sender does not see when you are online or have read it.',
  options: [
    { value: 'everyone', label: 'Everyone' },
    { value: 'requests', label: 'Requests from non-contacts' },
  ],
};

const groupAddsChoice: Choice<'groupAdds'> = {
  setting: 'groupAdds',
  label: 'Who can add me to groups',
  hint: 'Your contacts are the people you have written to in a direct chat.',
  options: [
    { value: 'everyone', label: 'Everyone' },
    { value: 'contacts', label: 'My contacts' },
  ],
};

export interface SettingsDialogProps {
  onClose: () => void;
}

/** The user's settings; for now its "Privacy" section, each change saved at once. */
export function SettingsDialog({ onClose }: SettingsDialogProps) {
  const { settings, saveState, error, update } = usePrivacySettings();
  const headingId = useId();

  return (
    <Dialog title="Settings" onClose={onClose}>
      <section aria-labelledby={headingId} className="flex flex-col gap-5">
        <h3 id={headingId} className="text-base font-semibold">
          Privacy
        </h3>
        {settings ? (
          <>
            <SettingSelect choice={presenceChoice} settings={settings} onChange={update} />
            <SettingSelect choice={directMessagesChoice} settings={settings} onChange={update} />
            <SettingSelect choice={groupAddsChoice} settings={settings} onChange={update} />
          </>
        ) : (
          !error && <Spinner label="Loading your settings" className="py-4" />
        )}
        <p role="status" className="min-h-5 text-sm text-slate-600">
          {saveState === 'saving' ? 'Saving…' : saveState === 'saved' ? 'Saved' : ''}
        </p>
        {error && (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        )}
      </section>
    </Dialog>
  );
}

function SettingSelect<K extends keyof PrivacySettings>({
  choice,
  settings,
  onChange,
}: {
  choice: Choice<K>;
  settings: PrivacySettings;
  onChange: (patch: PrivacySettingsPatch) => void;
}) {
  const selectId = useId();
  const hintId = useId();
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={selectId} className="text-sm font-medium text-slate-900">
        {choice.label}
      </label>
      <select
        id={selectId}
        aria-describedby={hintId}
        value={settings[choice.setting]}
        onChange={(event) => onChange({ [choice.setting]: event.target.value })}
        className="h-10 rounded-lg bg-white px-3 text-sm ring-1 ring-slate-300 ring-inset focus-visible:ring-2 focus-visible:ring-blue-500 focus-visible:outline-none"
      >
        {choice.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <p id={hintId} className="text-xs text-slate-600">
        {choice.hint}
      </p>
    </div>
  );
}
