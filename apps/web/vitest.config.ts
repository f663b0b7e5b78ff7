import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source, as in the app's own build.
const conditions = ['@parley/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) }, conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    // Screenshots for the README are made on request: SCREENSHOTS=1 npm test -w @parley/web.
    exclude: process.env.SCREENSHOTS ? [] : ['test/screenshots.e2e-spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 240_000,
  },
});
