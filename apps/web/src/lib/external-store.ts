import { useSyncExternalStore } from 'react';

/**
 * A minimal observable value for the server-data caches (zustand is kept for client state).
 * State is immutable: `update` returns a new object, and listeners run after every change.
 */
export interface ExternalStore<State> {
  get(): State;
  update(recipe: (state: State) => State): void;
  subscribe(listener: () => void): () => void;
}

export function createExternalStore<State>(initialState: State): ExternalStore<State> {
  let state = initialState;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    update(recipe) {
      const next = recipe(state);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Reads a slice of a store and re-renders when it changes. The selector must return a value that
 * keeps its identity while unchanged (a field of the state, not a freshly built array).
 * @example const conversation = useExternalStore(conversationsCache, (s) => s.byId[id]);
 */
export function useExternalStore<State, Slice>(
  store: ExternalStore<State>,
  selector: (state: State) => Slice,
): Slice {
  return useSyncExternalStore(
    store.subscribe,
    () => selector(store.get()),
    () => selector(store.get()),
  );
}
