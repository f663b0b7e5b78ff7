import {
  conversationNameSchema,
  type Conversation,
  type ConversationMember,
  type MemberRole,
} from '@parley/protocol';
import { useId, useOptimistic, useState, type FormEvent } from 'react';
import { PeoplePicker } from '@/components/people-picker';
import { Avatar } from '@/components/ui/avatar';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { useAction } from '@/hooks/use-action';
import { useParleyClient } from '@/lib/parley-client';
import { useIsOnline } from '@/stores/presence-store';
import { addGroupMember, removeGroupMember, renameGroup } from '../api/conversations';

export interface GroupInfoDialogProps {
  conversation: Conversation;
  ownUserId: string;
  onClose: () => void;
  onLeft: () => void;
}

const ROLE_LABELS: Record<MemberRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};
const MANAGERS: ReadonlySet<MemberRole> = new Set(['owner', 'admin']);

/** Whether `caller` may remove `target`: the server's rule, to offer only what will work. */
function canRemove(caller: MemberRole | undefined, target: ConversationMember, ownUserId: string) {
  if (!caller || !MANAGERS.has(caller) || target.userId === ownUserId) return false;
  return caller === 'owner' || target.role === 'member';
}

/** The members panel of a group: roles; owner and admins rename, add and remove; all can leave. */
export function GroupInfoDialog({
  conversation,
  ownUserId,
  onClose,
  onLeft,
}: GroupInfoDialogProps) {
  const client = useParleyClient();
  const ownRole = conversation.members.find((member) => member.userId === ownUserId)?.role;
  const isManager = ownRole !== undefined && MANAGERS.has(ownRole);
  // Which button's request runs: shown while it does, null again once it ends.
  const [busyId, setBusyId] = useOptimistic<string | null>(null);
  const task = useAction(
    async ({ key, request }: { key: string; request: () => Promise<void> }) => {
      setBusyId(key);
      await request();
    },
  );
  const run = (key: string, request: () => Promise<void>) => task.run({ key, request });
  const error = task.error;
  const [confirmLeave, setConfirmLeave] = useState(false);
  const memberIds = new Set(conversation.members.map((member) => member.userId));

  return (
    <Dialog title="Group info" onClose={onClose}>
      <div className="flex flex-col gap-6">
        <div className="flex flex-col items-center gap-2 text-center">
          <Avatar name={conversation.name ?? 'Group'} seed={conversation.id} size="lg" />
          <p className="text-lg font-semibold break-words">
            <bdi>{conversation.name}</bdi>
          </p>
          <p className="text-sm text-slate-600">
            Group · {conversation.members.length}{' '}
            {conversation.members.length === 1 ? 'member' : 'members'}
          </p>
        </div>

        {error && (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}

        {isManager && (
          <RenameForm
            key={conversation.name}
            currentName={conversation.name ?? ''}
            busy={busyId === 'rename'}
            onRename={(name) => run('rename', () => renameGroup(client, conversation.id, name))}
          />
        )}

        <section aria-labelledby="group-members-heading" className="flex flex-col gap-1">
          <h3 id="group-members-heading" className="text-sm font-semibold text-slate-800">
            Members
          </h3>
          <ul aria-label="Members" className="-mx-2 flex flex-col">
            {conversation.members.map((member) => (
              <MemberRow
                key={member.userId}
                member={member}
                isSelf={member.userId === ownUserId}
                removable={canRemove(ownRole, member, ownUserId)}
                busy={busyId === member.userId}
                onRemove={() =>
                  run(member.userId, () =>
                    removeGroupMember(client, conversation.id, member.userId),
                  )
                }
              />
            ))}
          </ul>
        </section>

        {isManager && (
          <section aria-labelledby="group-add-heading" className="flex flex-col gap-2">
            <h3 id="group-add-heading" className="text-sm font-semibold text-slate-800">
              Add people
            </h3>
            <PeoplePicker
              excludeIds={memberIds}
              emptyText="Type a name to find more people."
              mode={{
                kind: 'action',
                renderAction: (user) => (
                  <Button
                    variant="secondary"
                    className="h-8 px-3"
                    aria-label={`Add ${user.displayName}`}
                    disabled={busyId !== null}
                    busy={busyId === `add:${user.id}`}
                    onClick={() =>
                      run(`add:${user.id}`, () => addGroupMember(client, conversation.id, user.id))
                    }
                  >
                    Add
                  </Button>
                ),
              }}
            />
          </section>
        )}

        <section className="border-t border-slate-200 pt-4">
          {confirmLeave ? (
            <div className="flex flex-col gap-3">
              <p className="text-sm text-slate-800">
                Leave “<bdi>{conversation.name}</bdi>”? You will no longer get its messages.
              </p>
              <div className="flex gap-2">
                <Button
                  className="bg-red-600 hover:bg-red-700 active:bg-red-800"
                  busy={busyId === 'leave'}
                  disabled={busyId !== null}
                  onClick={() =>
                    run('leave', async () => {
                      await removeGroupMember(client, conversation.id, ownUserId);
                      onLeft();
                    })
                  }
                >
                  Leave
                </Button>
                <Button variant="secondary" onClick={() => setConfirmLeave(false)}>
                  Cancel
                </Button>
              </div>
            </div>
          ) : (
            <Button variant="danger" className="-ml-4" onClick={() => setConfirmLeave(true)}>
              Leave group
            </Button>
          )}
        </section>
      </div>
    </Dialog>
  );
}

function RenameForm({
  currentName,
  busy,
  onRename,
}: {
  currentName: string;
  busy: boolean;
  onRename: (name: string) => void;
}) {
  const inputId = useId();
  const [name, setName] = useState(currentName);
  const trimmed = name.trim();
  const valid = conversationNameSchema.safeParse(name).success && trimmed !== currentName;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid && !busy) onRename(trimmed);
  };

  return (
    <form onSubmit={submit} className="flex flex-col gap-1.5">
      <label htmlFor={inputId} className="text-sm font-semibold text-slate-800">
        Group name
      </label>
      <div className="flex gap-2">
        <input
          id={inputId}
          value={name}
          maxLength={100}
          autoComplete="off"
          onChange={(event) => setName(event.target.value)}
          className="h-10 min-w-0 flex-1 rounded-lg border border-slate-300 px-3 text-sm outline-none focus:border-blue-500 focus:ring-2 focus:ring-blue-500/30"
        />
        <Button type="submit" disabled={!valid || busy} busy={busy}>
          Save
        </Button>
      </div>
    </form>
  );
}

function MemberRow({
  member,
  isSelf,
  removable,
  busy,
  onRemove,
}: {
  member: ConversationMember;
  isSelf: boolean;
  removable: boolean;
  busy: boolean;
  onRemove: () => void;
}) {
  const online = useIsOnline(member.userId);
  return (
    <li className="flex items-center gap-3 rounded-xl px-2 py-2">
      <Avatar name={member.displayName} seed={member.userId} size="sm" online={online} />
      <span className="flex min-w-0 flex-1 flex-col">
        <span className="truncate text-sm font-medium text-slate-900">
          <bdi>{member.displayName}</bdi>
          {isSelf && <span className="font-normal text-slate-600"> (you)</span>}
        </span>
        <span className="truncate text-xs text-slate-600">
          @{member.username}
          {online && ' · online'}
        </span>
      </span>
      <span
        className={
          member.role === 'member'
            ? 'text-xs text-slate-600'
            : 'rounded-full bg-blue-50 px-2 py-0.5 text-xs font-semibold text-blue-800'
        }
      >
        {ROLE_LABELS[member.role]}
      </span>
      {removable && (
        <Button
          variant="danger"
          className="h-8 px-2"
          aria-label={`Remove ${member.displayName}`}
          disabled={busy}
          busy={busy}
          onClick={onRemove}
        >
          Remove
        </Button>
      )}
    </li>
  );
}
