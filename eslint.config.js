import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const webSrc = join(import.meta.dirname, 'apps/web/src');
const webFeatures = readdirSync(join(webSrc, 'features'));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/data/**', 'apps/api/drizzle/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  { files: ['apps/web/src/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  {
    // Imports flow one way: shared code -> features -> app. Features meet only in app/routes.
    files: ['apps/web/src/**/*.{ts,tsx}'],
    ignores: ['apps/web/src/app/**', 'apps/web/src/main.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@/app/*', '@/features/*'],
              message: 'Only src/app combines features; inside a feature, import relatively.',
            },
          ],
        },
      ],
    },
  },
  {
    // No module imports itself through a cycle. Imports are resolved as the compilers do:
    // `.js` specifiers to TypeScript sources, `@/` to the web app's src, workspaces to source.
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.json'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
          alias: { '@': [webSrc] },
          conditionNames: ['@parley/source', 'import', 'default'],
        }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // The web's one-way flow on resolved paths, so a relative `../../other-feature/...` is
    // caught too (bulletproof-react's zones).
    files: ['apps/web/src/**/*.{ts,tsx}'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: webSrc,
          zones: [
            ...webFeatures.map((feature) => ({
              target: `./features/${feature}`,
              from: './features',
              except: [`./${feature}`],
              message: 'Features do not import each other: combine them in src/app.',
            })),
            { target: './features', from: './app', message: 'Features do not import src/app.' },
            {
              target: ['./components', './config', './hooks', './lib', './stores', './utils'],
              from: ['./features', './app'],
              message: 'Shared code does not import features or src/app.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the repositories and the database module talk SQL.
    files: ['apps/api/src/**/*.ts'],
    ignores: ['apps/api/src/**/*.repository.ts', 'apps/api/src/database/**', '**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'pg', message: 'Only repositories and src/database use pg.' }],
          patterns: [
            {
              group: ['drizzle-orm', 'drizzle-orm/*'],
              message: 'Only repositories and src/database use drizzle-orm.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the real-time layer knows Socket.IO. (The typescript-eslint twin of the core rule,
    // so that both restrictions apply to the same files instead of one replacing the other.)
    files: ['apps/api/src/**/*.ts'],
    ignores: ['apps/api/src/realtime/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['socket.io', '@nestjs/websockets', '@nestjs/platform-socket.io'].map((name) => ({
            name,
            message: 'Only src/realtime uses Socket.IO.',
          })),
          patterns: [{ group: ['@socket.io/*'], message: 'Only src/realtime uses Socket.IO.' }],
        },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Nest resolves constructor parameters from their emitted type metadata: a type-only
    // import would erase the class that dependency injection needs.
    files: ['apps/api/src/**'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['**/test/**', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
