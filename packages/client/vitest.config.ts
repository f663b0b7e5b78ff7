import { defineConfig, mergeConfig } from 'vitest/config';
import { apiTestConfig } from '../../apps/api/vitest.shared.js';

export default mergeConfig(
  apiTestConfig,
  defineConfig({
    test: {
      // The API's setup provides this run's database (a fresh PostgreSQL one, or embedded PGlite).
      globalSetup: ['../../apps/api/test/support/global-setup.ts'],
      testTimeout: 30_000,
    },
  }),
);
