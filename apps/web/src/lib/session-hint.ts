/**
 * The id of the user this browser is signed in as, shared by its tabs. Not a secret: the
 * session itself is the server's HttpOnly cookie, out of reach of scripts. It tells a new page
 * whether there is a session to resume, and other tabs when someone signs in or out.
 */
export const SESSION_HINT_KEY = 'parley.session';

export function readSessionHint(): string | null {
  try {
    return localStorage.getItem(SESSION_HINT_KEY);
  } catch {
    return null;
  }
}

export function storeSessionHint(userId: string | null): void {
  try {
    if (userId) localStorage.setItem(SESSION_HINT_KEY, userId);
    else localStorage.removeItem(SESSION_HINT_KEY);
  } catch {
    // Storage disabled: the session still works in this tab, only reloads sign out.
  }
}
