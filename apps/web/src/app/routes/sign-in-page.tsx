import type { User } from '@parley/protocol';
import { ChatBubblesIcon } from '@/components/ui/icons';
import { SignInForm } from '@/features/auth/components/sign-in-form';
import { useAuthStore } from '@/features/auth/stores/auth-store';

export function SignInPage({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const notice = useAuthStore((state) => state.notice);
  return (
    <main className="flex min-h-dvh items-center justify-center bg-gradient-to-br from-sky-100 via-slate-50 to-emerald-50 px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center gap-3 text-center">
          <span className="flex size-16 items-center justify-center rounded-2xl bg-blue-600 text-4xl text-white shadow-lg shadow-blue-600/30">
            <ChatBubblesIcon />
          </span>
          <h1 className="text-3xl font-bold tracking-tight text-slate-900">Parley</h1>
          <p className="text-slate-600">Chat with the people you know, in real time.</p>
        </div>
        <div className="rounded-3xl bg-white p-6 shadow-xl ring-1 shadow-slate-900/5 ring-slate-900/5 sm:p-8">
          <SignInForm notice={notice} onSignedIn={onSignedIn} />
        </div>
      </div>
    </main>
  );
}
