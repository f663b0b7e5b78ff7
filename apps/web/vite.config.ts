import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const apiUrl = process.env.PARLEY_API_URL ?? 'http://localhost:3000';
const apiPaths = ['/auth', '/users', '/conversations', '/health', '/metrics'];

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
    // Workspace packages resolve to their TypeScript source: no separate build step in dev.
    conditions: ['@parley/source', 'module', 'browser', 'development|production'],
  },
  server: {
    proxy: {
      ...Object.fromEntries(apiPaths.map((path) => [path, apiUrl])),
      '/socket.io': { target: apiUrl, ws: true },
    },
  },
});
