import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source, so tests need no prior build.
const conditions = ['@parley/source', 'module', 'node', 'development|production'];

export default defineConfig({
  // The e2e suites start the real API, whose NestJS code needs decorator metadata: SWC compiles
  // the tests, as in apps/api (each file with the decorator settings of its nearest tsconfig).
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    // The API's setup provides this run's database (a fresh PostgreSQL one, or embedded PGlite).
    globalSetup: ['../../apps/api/test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
