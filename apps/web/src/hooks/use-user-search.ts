import { USER_SEARCH_MAX_RESULTS, USER_SEARCH_MIN_LENGTH, type User } from '@parley/protocol';
import { useEffect, useState } from 'react';
import { useParleyClient } from '@/lib/parley-client';
import { errorMessage } from '@/utils/error-message';
import { useDebouncedValue } from './use-debounced-value';

const SEARCH_DELAY_MS = 250;

interface SearchResult {
  query: string;
  users: User[];
  error: string | null;
}

/**
 * People whose username or display name starts with `query` (GET /users?search), asked once the
 * typing pauses. The server answers prefixes of 2 characters or more only: a shorter query
 * finds nobody without asking.
 */
export function useUserSearch(query: string): {
  users: User[];
  loading: boolean;
  error: string | null;
} {
  const client = useParleyClient();
  const debouncedQuery = useDebouncedValue(query.trim().toLowerCase(), SEARCH_DELAY_MS);
  const [result, setResult] = useState<SearchResult | null>(null);

  useEffect(() => {
    if (debouncedQuery.length < USER_SEARCH_MIN_LENGTH) return;
    let current = true;
    client.http.searchUsers(debouncedQuery, USER_SEARCH_MAX_RESULTS).then(
      (users) => {
        if (current) setResult({ query: debouncedQuery, users, error: null });
      },
      (error: unknown) => {
        if (current) setResult({ query: debouncedQuery, users: [], error: errorMessage(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [client, debouncedQuery]);

  if (query.trim().length < USER_SEARCH_MIN_LENGTH)
    return { users: [], loading: false, error: null };
  const settled = result !== null && result.query === query.trim().toLowerCase();
  return {
    users: result?.users ?? [],
    loading: !settled && result?.error == null,
    error: result?.error ?? null,
  };
}
