import type { Message } from '@parley/protocol';
import { Button } from '@/components/ui/button';
import { Dialog, DialogFooter } from '@/components/ui/dialog';
import { useAction } from '@/hooks/use-action';
import { useSocket } from '@/hooks/use-socket';
import { deleteMessage } from '../api/message-changes';
import { DELETED_TEXT } from '../utils/quote';

export interface DeleteMessageDialogProps {
  message: Message;
  onClose: () => void;
  onDeleted: () => void;
}

/** "Delete message?": the confirmation a delete needs, for everyone sees the tombstone. */
export function DeleteMessageDialog({ message, onClose, onDeleted }: DeleteMessageDialogProps) {
  const { client } = useSocket();
  const { run, pending, error } = useAction(async () => {
    await deleteMessage(client, message);
    onDeleted();
    onClose();
  });

  return (
    <Dialog
      title="Delete message?"
      onClose={onClose}
      footer={
        <DialogFooter error={error}>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="danger" busy={pending} disabled={pending} onClick={() => run()}>
            Delete
          </Button>
        </DialogFooter>
      }
    >
      <p className="text-sm text-slate-700">
        Everyone in this conversation will see “{DELETED_TEXT}” in its place. This cannot be undone.
      </p>
    </Dialog>
  );
}
