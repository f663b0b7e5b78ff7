import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { provideFreshDatabase } from '../../../api/test/support/global-setup.js';
import { hasChromium, repoRoot } from './paths';

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

/**
 * Builds what the browser suite needs (only what is stale), and with TEST_DATABASE_URL a fresh
 * database for the run, dropped afterwards; without it the API runs on embedded PGlite.
 */
export default function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (hasChromium) buildWhatIsStale();
  const serverUrl = hasChromium ? process.env.TEST_DATABASE_URL : undefined;
  return provideFreshDatabase(project, serverUrl, 'parley_web_test');
}
