import { defineConfig, mergeConfig } from 'vitest/config';
import { apiTestConfig } from './vitest.shared.js';

export default mergeConfig(
  apiTestConfig,
  defineConfig({
    test: {
      globalSetup: ['test/support/global-setup.ts'],
      testTimeout: 20_000,
    },
  }),
);
