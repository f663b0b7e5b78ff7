import type { Conversation, User } from '@parley/protocol';
import { useState } from 'react';
import { PeoplePicker } from '@/components/people-picker';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { GroupIcon } from '@/components/ui/icons';
import { useParleyClient } from '@/lib/parley-client';
import { errorMessage } from '@/utils/error-message';
import { startDirectChat } from '../api/conversations';

export interface NewConversationDialogProps {
  onClose: () => void;
  onOpened: (conversation: Conversation) => void;
  onNewGroup: () => void;
}

/** Pick a person and open the direct chat with them (the existing one, if there is one). */
export function NewConversationDialog({
  onClose,
  onOpened,
  onNewGroup,
}: NewConversationDialogProps) {
  const client = useParleyClient();
  const [person, setPerson] = useState<User | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const start = async () => {
    if (!person) return;
    setBusy(true);
    setError(null);
    try {
      onOpened(await startDirectChat(client, person.id));
    } catch (startError) {
      setError(errorMessage(startError));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="New conversation"
      onClose={onClose}
      footer={
        <div className="flex flex-col gap-2">
          {error && (
            <p role="alert" className="text-sm text-red-700">
              {error}
            </p>
          )}
          <div className="flex items-center justify-between gap-2">
            <Button variant="ghost" onClick={onNewGroup}>
              <GroupIcon aria-hidden="true" /> New group
            </Button>
            <Button onClick={() => void start()} disabled={!person || busy} busy={busy}>
              Start chat
            </Button>
          </div>
        </div>
      }
    >
      <PeoplePicker
        autoFocus
        mode={{ kind: 'single', selectedId: person?.id ?? null, onSelect: setPerson }}
      />
    </Dialog>
  );
}
