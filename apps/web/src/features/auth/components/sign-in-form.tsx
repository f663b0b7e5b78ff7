import type { User } from '@parley/protocol';
import { useId, useOptimistic, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { useAction } from '@/hooks/use-action';
import { useParleyClient } from '@/lib/parley-client';
import { signIn, validateRegistration, type SignInMode } from '../api/auth';

export interface SignInFormProps {
  notice: string | null;
  onSignedIn: (user: User) => void;
}

const inputClass =
  'h-11 rounded-xl border border-slate-300 bg-white px-3.5 text-[15px] text-slate-900 outline-none transition-shadow placeholder:text-slate-400 focus:border-blue-500 focus:ring-4 focus:ring-blue-500/20';

/** Username and password, then "Log in" (Enter) or "Create account". */
export function SignInForm({ notice, onSignedIn }: SignInFormProps) {
  const client = useParleyClient();
  const usernameId = useId();
  const passwordId = useId();
  const errorId = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // The button whose request runs, while it does.
  const [busy, setBusy] = useOptimistic<SignInMode | null>(null);
  const submit = useAction(
    async (mode: SignInMode) => {
      const credentials = { username, password };
      if (!username.trim() || !password) throw new Error('Enter a username and a password.');
      const invalid = mode === 'register' ? validateRegistration(credentials) : null;
      if (invalid) throw new Error(invalid);
      setBusy(mode);
      onSignedIn(await signIn(client, mode, credentials));
    },
    // Every failure here is an Error whose message can be shown as it is.
    (failure) => (failure instanceof Error ? failure.message : String(failure)),
  );

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) submit.run('login');
  };

  const shownError = submit.error ?? notice;

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="flex flex-col gap-4"
      aria-describedby={shownError ? errorId : undefined}
    >
      <div className="flex flex-col gap-1.5">
        <label htmlFor={usernameId} className="text-sm font-medium text-slate-800">
          Username
        </label>
        <input
          id={usernameId}
          name="username"
          value={username}
          onChange={(event) => setUsername(event.target.value)}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          autoFocus
          className={inputClass}
        />
      </div>
      <div className="flex flex-col gap-1.5">
        <label htmlFor={passwordId} className="text-sm font-medium text-slate-800">
          Password
        </label>
        <input
          id={passwordId}
          name="password"
          type="password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          autoComplete="current-password"
          required
          className={inputClass}
        />
      </div>
      <div aria-live="assertive" id={errorId}>
        {shownError && (
          <p role="alert" className="rounded-xl bg-red-50 px-3.5 py-2.5 text-sm text-red-800">
            {shownError}
          </p>
        )}
      </div>
      <div className="flex flex-col gap-2.5">
        <Button type="submit" className="h-11" disabled={busy !== null} busy={busy === 'login'}>
          {busy === 'login' ? 'Logging in...' : 'Log in'}
        </Button>
        <Button
          variant="secondary"
          className="h-11"
          disabled={busy !== null}
          busy={busy === 'register'}
          onClick={() => submit.run('register')}
        >
          {busy === 'register' ? 'Creating account...' : 'Create account'}
        </Button>
      </div>
      <p className="text-center text-xs text-slate-600">
        New here? Choose a username and a password of 8 or more characters, then Create account.
      </p>
    </form>
  );
}
