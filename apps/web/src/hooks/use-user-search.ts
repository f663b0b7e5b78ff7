import type { User } from '@parley/protocol';
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
 * typing pauses. An empty query lists people too, so there is something to pick at once.
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
    let current = true;
    client.http.searchUsers(debouncedQuery, 20).then(
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

  const settled = result !== null && result.query === query.trim().toLowerCase();
  return {
    users: result?.users ?? [],
    loading: !settled && result?.error == null,
    error: result?.error ?? null,
  };
}
