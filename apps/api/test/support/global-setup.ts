import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A fresh database for this run, or '' to use embedded PGlite. */
    databaseUrl: string;
  }
}

/**
 * With TEST_DATABASE_URL (or DATABASE_URL) pointing at a PostgreSQL server, creates a fresh
 * database for this run and drops it afterwards; without one, tests use embedded PGlite.
 */
export default function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  return provideFreshDatabase(
    project,
    process.env.TEST_DATABASE_URL || process.env.DATABASE_URL,
    'parley_test',
  );
}

/**
 * Provides `databaseUrl` to the tests: a new database named `<prefix>_<time>_<random>` on
 * `serverUrl`, dropped by the returned teardown; '' (embedded PGlite) without a server.
 */
export async function provideFreshDatabase(
  project: TestProject,
  serverUrl: string | undefined,
  prefix: string,
): Promise<(() => Promise<void>) | void> {
  if (!serverUrl) {
    project.provide('databaseUrl', '');
    return;
  }
  const databaseName = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await runOnServer(serverUrl, `create database ${databaseName}`);
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${databaseName}`;
  project.provide('databaseUrl', databaseUrl.toString());
  return () => runOnServer(serverUrl, `drop database if exists ${databaseName} with (force)`);
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
