import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source, so tests need no prior build.
const conditions = ['@parley/source', 'module', 'node', 'development|production'];

/**
 * What the API's suites and the SDK's share: both start the real API, whose NestJS code needs
 * decorator metadata, which esbuild does not emit, so SWC compiles the tests (each file with the
 * decorator settings of its nearest tsconfig). Each config adds its global setup and timeouts.
 */
export const apiTestConfig = defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    hookTimeout: 60_000,
  },
});
