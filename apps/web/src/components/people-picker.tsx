import { USER_SEARCH_MIN_LENGTH, type User } from '@parley/protocol';
import { useId, useState, type ReactNode } from 'react';
import { useUserSearch } from '@/hooks/use-user-search';
import { Avatar } from './ui/avatar';
import { SearchIcon } from './ui/icons';
import { Spinner } from './ui/spinner';

export type PeoplePickerMode =
  | { kind: 'single'; selectedId: string | null; onSelect: (user: User) => void }
  | { kind: 'multiple'; selectedIds: ReadonlySet<string>; onToggle: (user: User) => void }
  | { kind: 'action'; renderAction: (user: User) => ReactNode };

export interface PeoplePickerProps {
  mode: PeoplePickerMode;
  /** People not to offer (e.g. members already in the group). */
  excludeIds?: ReadonlySet<string>;
  autoFocus?: boolean;
  /** Said while the query is too short to search. */
  emptyText?: string;
}

/**
 * A search box labelled "Search people" and the people it finds: radio buttons to pick one,
 * checkboxes to pick several, or a button per person.
 */
export function PeoplePicker({
  mode,
  excludeIds,
  autoFocus,
  emptyText = 'Type at least 2 letters of a name.',
}: PeoplePickerProps) {
  const [query, setQuery] = useState('');
  const { users, loading, error } = useUserSearch(query);
  const inputId = useId();
  const groupName = useId();
  const shown = users.filter((user) => !excludeIds?.has(user.id));

  return (
    <div className="flex flex-col gap-2">
      <label htmlFor={inputId} className="sr-only">
        Search people
      </label>
      <div className="relative">
        <SearchIcon className="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-slate-500" />
        <input
          id={inputId}
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          // Searching happens as one types: Enter must not submit a surrounding form.
          onKeyDown={(event) => {
            if (event.key === 'Enter') event.preventDefault();
          }}
          placeholder="Search people"
          autoComplete="off"
          spellCheck={false}
          autoFocus={autoFocus}
          className="h-10 w-full rounded-full bg-slate-100 pr-4 pl-9 text-sm text-slate-900 outline-none placeholder:text-slate-500 focus:bg-white focus:ring-2 focus:ring-blue-500"
        />
      </div>
      <div aria-live="polite">
        {loading && shown.length === 0 && <Spinner label="Searching" className="w-full py-3" />}
        {error && (
          <p role="alert" className="py-2 text-sm text-red-700">
            {error}
          </p>
        )}
        {!loading && !error && shown.length === 0 && (
          <p className="py-3 text-center text-sm text-slate-600">
            {query.trim().length >= USER_SEARCH_MIN_LENGTH
              ? `Nobody found for “${query.trim()}”.`
              : emptyText}
          </p>
        )}
      </div>
      {shown.length > 0 && (
        <ul aria-label="People" className="-mx-2 flex flex-col">
          {shown.map((user) => (
            <li key={user.id}>
              <PersonRow user={user} mode={mode} groupName={groupName} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function PersonRow({
  user,
  mode,
  groupName,
}: {
  user: User;
  mode: PeoplePickerMode;
  groupName: string;
}) {
  const details = (
    <>
      <Avatar name={user.displayName} seed={user.id} size="sm" />
      <span className="flex min-w-0 flex-1 flex-col">
        <span className="truncate text-sm font-medium text-slate-900">
          <bdi>{user.displayName}</bdi>
        </span>
        <span className="truncate text-xs text-slate-600">@{user.username}</span>
      </span>
    </>
  );
  const rowClass =
    'flex w-full items-center gap-3 rounded-xl px-2 py-2 transition-colors hover:bg-slate-100';

  if (mode.kind === 'action') {
    return (
      <div className={rowClass}>
        {details}
        {mode.renderAction(user)}
      </div>
    );
  }
  const checked =
    mode.kind === 'single' ? mode.selectedId === user.id : mode.selectedIds.has(user.id);
  return (
    <label className={`${rowClass} cursor-pointer has-[:checked]:bg-blue-50`}>
      {details}
      <input
        type={mode.kind === 'single' ? 'radio' : 'checkbox'}
        name={groupName}
        checked={checked}
        onChange={() => (mode.kind === 'single' ? mode.onSelect(user) : mode.onToggle(user))}
        className="size-5 accent-blue-600"
      />
    </label>
  );
}
