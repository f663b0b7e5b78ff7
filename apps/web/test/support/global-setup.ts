import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { hasChromium, repoRoot } from './paths';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A fresh database for this run, or '' for embedded PGlite. */
    databaseUrl: string;
  }
}

/** What the browser suite runs: the built API serving the built web app. */
const builds = [
  {
    workspace: '@parley/protocol',
    output: 'packages/protocol/dist/index.js',
    sources: ['packages/protocol/src'],
  },
  {
    workspace: '@parley/client',
    output: 'packages/client/dist/index.js',
    sources: ['packages/protocol/src', 'packages/client/src'],
  },
  {
    workspace: '@parley/api',
    output: 'apps/api/dist/main.js',
    sources: ['packages/protocol/src', 'apps/api/src'],
  },
  {
    workspace: '@parley/web',
    output: 'apps/web/dist/index.html',
    sources: [
      'packages/protocol/src',
      'packages/client/src',
      'apps/web/src',
      'apps/web/index.html',
      'apps/web/vite.config.ts',
    ],
  },
];

function newestSourceMtime(path: string): number {
  const absolute = join(repoRoot, path);
  if (!existsSync(absolute)) return 0;
  const stats = statSync(absolute);
  if (!stats.isDirectory()) return path.endsWith('.spec.ts') ? 0 : stats.mtimeMs;
  return Math.max(0, ...readdirSync(absolute).map((name) => newestSourceMtime(join(path, name))));
}

/** Builds each workspace whose output is missing or older than its sources, in order. */
function buildWhatIsStale(): void {
  for (const { workspace, output, sources } of builds) {
    const outputPath = join(repoRoot, output);
    const builtAt = existsSync(outputPath) ? statSync(outputPath).mtimeMs : 0;
    if (Math.max(...sources.map(newestSourceMtime)) <= builtAt) continue;
    console.log(`[web e2e] building ${workspace}`);
    execFileSync('npm', ['run', 'build', '-w', workspace], { cwd: repoRoot, stdio: 'inherit' });
  }
}

async function runOnServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Builds what the browser suite needs (only what is stale), and with TEST_DATABASE_URL a fresh
 * database for the run, dropped afterwards; without it the API runs on embedded PGlite.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (hasChromium) buildWhatIsStale();
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl || !hasChromium) {
    project.provide('databaseUrl', '');
    return;
  }
  const databaseName = `parley_web_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await runOnServer(serverUrl, `create database ${databaseName}`);
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  project.provide('databaseUrl', databaseUrl.toString());
  return () => runOnServer(serverUrl, `drop database if exists ${databaseName} with (force)`);
}
