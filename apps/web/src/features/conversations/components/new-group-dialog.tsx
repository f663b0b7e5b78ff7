import { conversationNameSchema, type Conversation, type User } from '@parley/protocol';
import { useId, useState, type FormEvent } from 'react';
import { PeoplePicker } from '@/components/people-picker';
import { Button } from '@/components/ui/button';
import { Dialog, DialogFooter } from '@/components/ui/dialog';
import { CloseIcon } from '@/components/ui/icons';
import { useAction } from '@/hooks/use-action';
import { useParleyClient } from '@/lib/parley-client';
import { createGroup } from '../api/conversations';

export interface NewGroupDialogProps {
  onClose: () => void;
  onCreated: (conversation: Conversation) => void;
}

/** Name a group, pick its people, create it (the creator becomes its owner). */
export function NewGroupDialog({ onClose, onCreated }: NewGroupDialogProps) {
  const client = useParleyClient();
  const formId = useId();
  const nameId = useId();
  const [name, setName] = useState('');
  const [people, setPeople] = useState<readonly User[]>([]);
  const selectedIds = new Set(people.map((person) => person.id));
  const nameValid = conversationNameSchema.safeParse(name).success;

  const toggle = (user: User) =>
    setPeople((current) =>
      current.some((person) => person.id === user.id)
        ? current.filter((person) => person.id !== user.id)
        : [...current, user],
    );

  const create = useAction(async () =>
    onCreated(await createGroup(client, name.trim(), [...selectedIds])),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (nameValid && !create.pending) create.run();
  };

  return (
    <Dialog
      title="New group"
      onClose={onClose}
      footer={
        <DialogFooter error={create.error}>
          <p className="text-sm text-slate-600">
            {people.length === 0
              ? 'Nobody picked yet'
              : `${people.length} ${people.length === 1 ? 'person' : 'people'} picked`}
          </p>
          <Button
            type="submit"
            form={formId}
            disabled={!nameValid || create.pending}
            busy={create.pending}
          >
            Create group
          </Button>
        </DialogFooter>
      }
    >
      <form id={formId} onSubmit={submit} className="flex flex-col gap-4">
        <div className="flex flex-col gap-1.5">
          <label htmlFor={nameId} className="text-sm font-medium text-slate-800">
            Group name
          </label>
          <input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={100}
            autoComplete="off"
            autoFocus
            placeholder="e.g. Weekend trip"
            className="h-10 rounded-lg border border-slate-300 px-3 text-sm outline-none placeholder:text-slate-500 focus:border-blue-500 focus:ring-2 focus:ring-blue-500/30"
          />
        </div>
        {people.length > 0 && (
          <ul aria-label="Picked people" className="flex flex-wrap gap-1.5">
            {people.map((person) => (
              <li key={person.id}>
                <button
                  type="button"
                  onClick={() => toggle(person)}
                  aria-label={`Remove ${person.displayName} from the group`}
                  className="inline-flex items-center gap-1 rounded-full bg-blue-50 py-1 pr-2 pl-3 text-sm text-blue-800 hover:bg-blue-100"
                >
                  <bdi>{person.displayName}</bdi>
                  <CloseIcon aria-hidden="true" />
                </button>
              </li>
            ))}
          </ul>
        )}
        <fieldset className="flex flex-col gap-1.5">
          <legend className="mb-1.5 text-sm font-medium text-slate-800">People</legend>
          <PeoplePicker mode={{ kind: 'multiple', selectedIds, onToggle: toggle }} />
        </fieldset>
      </form>
    </Dialog>
  );
}
