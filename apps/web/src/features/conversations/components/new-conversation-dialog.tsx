import type { Conversation, User } from '@parley/protocol';
import { useState } from 'react';
import { PeoplePicker } from '@/components/people-picker';
import { Button } from '@/components/ui/button';
import { Dialog, DialogFooter } from '@/components/ui/dialog';
import { GroupIcon } from '@/components/ui/icons';
import { useAction } from '@/hooks/use-action';
import { useParleyClient } from '@/lib/parley-client';
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
  const start = useAction(async (chosen: User) =>
    onOpened(await startDirectChat(client, chosen.id)),
  );

  return (
    <Dialog
      title="New conversation"
      onClose={onClose}
      footer={
        <DialogFooter error={start.error}>
          <Button variant="ghost" onClick={onNewGroup}>
            <GroupIcon aria-hidden="true" /> New group
          </Button>
          <Button
            onClick={() => person && start.run(person)}
            disabled={!person || start.pending}
            busy={start.pending}
          >
            Start chat
          </Button>
        </DialogFooter>
      }
    >
      <PeoplePicker
        autoFocus
        mode={{ kind: 'single', selectedId: person?.id ?? null, onSelect: setPerson }}
      />
    </Dialog>
  );
}
