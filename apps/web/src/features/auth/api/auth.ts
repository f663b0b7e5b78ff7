import { ParleyApiError, type ParleyClient } from '@parley/client';
import { passwordSchema, usernameSchema, type User } from '@parley/protocol';
import { errorMessage } from '@/utils/error-message';

export type SignInMode = 'login' | 'register';

export interface Credentials {
  username: string;
  password: string;
}

/** A problem with the form's input, said before asking the server (registration only). */
export function validateRegistration({ username, password }: Credentials): string | null {
  const name = usernameSchema.safeParse(username.trim());
  if (!name.success) return 'Usernames are 3-32 characters: letters, digits, _ . and -.';
  if (!passwordSchema.safeParse(password).success) return 'Passwords are 8-200 characters long.';
  return null;
}

/** Logs in or registers; throws an Error whose message can be shown as it is. */
export async function signIn(
  client: ParleyClient,
  mode: SignInMode,
  { username, password }: Credentials,
): Promise<User> {
  try {
    return mode === 'login'
      ? await client.login({ username: username.trim(), password })
      : await client.register({ username: username.trim(), password });
  } catch (error) {
    throw new Error(signInErrorMessage(mode, error), { cause: error });
  }
}

function signInErrorMessage(mode: SignInMode, error: unknown): string {
  if (error instanceof ParleyApiError) {
    if (mode === 'login' && error.status === 401) return 'Wrong username or password.';
    if (mode === 'register' && error.status === 409) {
      return 'That username is taken. Please choose another one.';
    }
  }
  return errorMessage(error);
}
