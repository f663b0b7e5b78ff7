import { useSyncExternalStore } from 'react';

function subscribe(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange);
  window.addEventListener('focus', onChange);
  window.addEventListener('blur', onChange);
  return () => {
    document.removeEventListener('visibilitychange', onChange);
    window.removeEventListener('focus', onChange);
    window.removeEventListener('blur', onChange);
  };
}

const isActive = () => document.visibilityState === 'visible' && document.hasFocus();

/** Whether the person can be looking at the page: it is visible and its window has focus. */
export function usePageActive(): boolean {
  return useSyncExternalStore(subscribe, isActive, () => false);
}
