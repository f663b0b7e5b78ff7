import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { parseEnv } from './config/env';
import { App } from './app/app';
import { restoreSession } from './features/auth/api/restore-session';
import { createParleyClient } from './lib/parley-client';
import './index.css';

const root = document.getElementById('root')!;

try {
  const env = parseEnv(import.meta.env, window.location.origin);
  const client = createParleyClient(env.apiBaseUrl);
  void restoreSession(client, env.apiBaseUrl);
  createRoot(root).render(
    <StrictMode>
      <App client={client} />
    </StrictMode>,
  );
} catch (error) {
  // A misconfigured build: say what is wrong instead of a blank page.
  root.textContent = error instanceof Error ? error.message : String(error);
  root.className = 'whitespace-pre-wrap p-6 font-mono text-sm text-red-700';
  throw error;
}
