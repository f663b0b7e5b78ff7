import { errorMessage } from '@/utils/error-message';

/**
 * Where the fetching of a paged list stands, as one object that changes only through
 * `startFetch` and `finishFetch` (zulip's `fetch_status.ts`).
 */
export interface FetchState {
  /** The newest page is on its way. */
  loading: boolean;
  /** A page older than those held is on its way. */
  loadingOlder: boolean;
  /** Nothing older exists. */
  foundOldest: boolean;
  /** Why the last fetch failed, until the next one starts. */
  error: string | null;
}

/** Which page a fetch asks for: the newest, or the one before the oldest held. */
export type PageKind = 'latest' | 'older';

export const initialFetchState: FetchState = {
  loading: false,
  loadingOlder: false,
  foundOldest: false,
  error: null,
};

const inFlight = (page: PageKind) => (page === 'latest' ? 'loading' : 'loadingOlder');

export function startFetch(state: FetchState, page: PageKind): FetchState {
  return { ...state, [inFlight(page)]: true, error: null };
}

/** The state after the page arrived (`foundOldest`: it said nothing older exists) or failed. */
export function finishFetch(
  state: FetchState,
  page: PageKind,
  outcome: { foundOldest: boolean } | { error: unknown },
): FetchState {
  if ('error' in outcome) {
    return { ...state, [inFlight(page)]: false, error: errorMessage(outcome.error) };
  }
  return {
    ...state,
    [inFlight(page)]: false,
    foundOldest: state.foundOldest || outcome.foundOldest,
  };
}
