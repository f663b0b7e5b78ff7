import { useEffect, useState } from 'react';

type ServerState = 'checking' | 'ok' | 'degraded' | 'down';

/** Placeholder until the chat UI lands: shows that the API node answers. */
export function App() {
  const [serverState, setServerState] = useState<ServerState>('checking');

  useEffect(() => {
    fetch('/health')
      .then((response) => response.json() as Promise<{ status: ServerState }>)
      .then((health) => setServerState(health.status))
      .catch(() => setServerState('down'));
  }, []);

  return (
    <main className="mx-auto flex min-h-screen max-w-xl flex-col items-center justify-center gap-4 p-6">
      <h1 className="text-4xl font-bold">Parley</h1>
      <p className="text-slate-600">Real-time chat. The web app arrives with the messaging core.</p>
      <p role="status" className="rounded bg-white px-3 py-1 shadow">
        Server: {serverState}
      </p>
    </main>
  );
}
