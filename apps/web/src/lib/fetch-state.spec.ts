import { describe, expect, it } from 'vitest';
import { finishFetch, initialFetchState, startFetch } from './fetch-state';

describe('fetch state', () => {
  it('marks the page in flight and clears the last error when a fetch starts', () => {
    const failed = { ...initialFetchState, error: 'Could not reach the server.' };
    expect(startFetch(failed, 'older')).toEqual({ ...initialFetchState, loadingOlder: true });
  });

  it('keeps having found the oldest page once a page said so', () => {
    const found = finishFetch(startFetch(initialFetchState, 'latest'), 'latest', {
      foundOldest: true,
    });
    expect(found).toEqual({ ...initialFetchState, foundOldest: true });
    expect(finishFetch(found, 'older', { foundOldest: false }).foundOldest).toBe(true);
  });

  it('ends the fetch with a sentence for a person when it fails', () => {
    const failed = finishFetch(startFetch(initialFetchState, 'latest'), 'latest', {
      error: new TypeError('fetch failed'),
    });
    expect(failed).toEqual({
      ...initialFetchState,
      error: 'Could not reach the server. Check your connection.',
    });
  });
});
