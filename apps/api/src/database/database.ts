import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A statement as PostgreSQL would receive it; `name` when it is a named prepared statement. */
export interface RecordedStatement {
  name?: string;
  text: string;
  params: unknown[];
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
// Any fixed number: every node takes this lock so that only one migrates at a time.
const MIGRATION_LOCK_KEY = 7_200_601;
const PING_TIMEOUT_MS = 2_000;
const dialect = new PgDialect();

// Seqs and watermarks are int8. node-postgres hands int8 over as text and PGlite as a number,
// or a bigint past 2^53; both drivers get one parser, so repositories read numbers. A seq stays
// far below 2^53: the server counts one at a time and seqSchema caps what clients send.
const parseInt8 = (text: string): number => Number(text);
// json_agg and json_build_object columns arrive parsed, as objects and arrays.
const parseJson = (text: string): unknown => JSON.parse(text);

// Process-wide on purpose: drizzle gives each query its own parsers and falls back to these
// global ones for every type it does not handle itself (int8 and json among them).
pg.types.setTypeParser(pg.types.builtins.INT8, parseInt8);
pg.types.setTypeParser(pg.types.builtins.JSON, parseJson);
pg.types.setTypeParser(pg.types.builtins.JSONB, parseJson);
const pgliteParsers = {
  [pgliteTypes.INT8]: parseInt8,
  [pgliteTypes.JSON]: parseJson,
  [pgliteTypes.JSONB]: parseJson,
};

/** How long statements wait for a pooled connection, reported to the node's metrics. */
export interface PoolWaitObserver {
  /** Once per checkout, with the seconds from asking for a connection to getting one. */
  observeWait(seconds: number): void;
}

/**
 * A pg.Pool that times every checkout: `pool.query` and drizzle's transactions both go through
 * `connect`. A statement queued behind a full pool looks, from the event loop, like a slow
 * database; this tells the two apart (issue 11).
 */
class TimedPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly observer: PoolWaitObserver,
  ) {
    super(config);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      error: Error | undefined,
      client: pg.PoolClient | undefined,
      done: () => void,
    ) => void,
  ): void;
  override connect(
    callback?: (
      error: Error | undefined,
      client: pg.PoolClient | undefined,
      done: () => void,
    ) => void,
  ): Promise<pg.PoolClient> | void {
    const askedAt = performance.now();
    const observe = () => this.observer.observeWait((performance.now() - askedAt) / 1000);
    if (!callback) {
      return super.connect().then((client) => {
        observe();
        return client;
      });
    }
    super.connect((error, client, done) => {
      observe();
      callback(error, client, done);
    });
  }
}

/** The database of this node: node-postgres with `DATABASE_URL`, embedded PGlite without. */
export class DatabaseConnection {
  private constructor(
    readonly db: Db,
    readonly kind: 'postgres' | 'pglite',
    private readonly closeClient: () => Promise<void>,
    private readonly pool?: pg.Pool,
  ) {}

  static async open(options: {
    databaseUrl?: string;
    poolSize: number;
    dataDir: string;
    logger: Logger;
    poolWait: PoolWaitObserver;
  }): Promise<DatabaseConnection> {
    return options.databaseUrl
      ? DatabaseConnection.openPostgres(options.databaseUrl, options.poolSize, options)
      : DatabaseConnection.openPglite(options.dataDir);
  }

  private static async openPostgres(
    url: string,
    poolSize: number,
    { logger, poolWait }: { logger: Logger; poolWait: PoolWaitObserver },
  ): Promise<DatabaseConnection> {
    const pool = new TimedPool(
      {
        connectionString: url,
        max: poolSize,
        connectionTimeoutMillis: 5_000,
        // 0: an opened connection stays open. A fresh backend costs the statement it carries
        // ~25-40 ms more (start-up, cold catalog caches, the foreign-key check plans, the
        // prepared send); closing idle ones after 30 s made the first burst after every quiet
        // spell pay that again (docs/benchmarks.md, issue 11).
        idleTimeoutMillis: 0,
        // A connection that goes silent (network drop) must fail the query, not hang the socket's
        // event queue behind it: every event gets an answer.
        query_timeout: 5_000,
        keepAlive: true,
        // Connections stay open for good (above): a NAT or load balancer that silently drops an
        // idle one is found by the probes within seconds, not by the next statement's timeout.
        keepAliveInitialDelayMillis: 10_000,
        // Our statements are short index lookups; JIT compiling them cost more than it saved
        // (7-30 ms per sync of a busy user, docs/query-plans.md).
        options: '-c jit=off',
      },
      poolWait,
    );
    // An idle client losing its server emits here; without a listener it would kill the process.
    pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client failed'));
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder });
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    } finally {
      client.release();
    }
    return new DatabaseConnection(
      drizzleNodePg({ client: pool, schema }),
      'postgres',
      () => pool.end(),
      pool,
    );
  }

  private static async openPglite(dataDir: string): Promise<DatabaseConnection> {
    const directory = join(dataDir, 'pgdata');
    mkdirSync(directory, { recursive: true });
    const client = await PGlite.create(directory, { parsers: pgliteParsers });
    const db = drizzlePglite({ client, schema });
    await migratePglite(db, { migrationsFolder });
    return new DatabaseConnection(db, 'pglite', () => client.close());
  }

  /**
   * A connection that runs nothing: every statement goes to `record` exactly as the pool would
   * send it, and answers no rows: `sql-generator.ts` and the bench's `send-statement` render the
   * repositories' SQL with it.
   */
  static recording(record: (statement: RecordedStatement) => void): DatabaseConnection {
    const client = {
      query: async (config: pg.QueryConfig, values?: unknown[]) => {
        record({ name: config.name, text: config.text, params: values ?? config.values ?? [] });
        return { rows: [], fields: [], rowCount: 0, command: '' };
      },
    } as unknown as pg.Pool;
    return new DatabaseConnection(
      drizzleNodePg({ client, schema }),
      'postgres',
      async () => {},
      client,
    );
  }

  /** Statements waiting for a pooled connection now; 0 on PGlite, which has no pool. */
  get poolWaitingCount(): number {
    return this.pool?.waitingCount ?? 0;
  }

  /** Runs raw SQL (for statements the query builder cannot express) and returns its rows. */
  async query<Row>(statement: SQL): Promise<Row[]> {
    const result = (await this.db.execute(statement)) as unknown as { rows: Row[] };
    return result.rows;
  }

  /**
   * Runs `lock` (a statement that takes row locks), then `statement`, in one transaction of their
   * own, and returns the rows of `statement`: its snapshot is taken once the locks are held, so
   * it sees every change committed by whoever held them before.
   */
  async queryUnderLock<Row>(lock: SQL, statement: SQL): Promise<Row[]> {
    return this.db.transaction(async (transaction) => {
      await transaction.execute(lock);
      const result = (await transaction.execute(statement)) as unknown as { rows: Row[] };
      return result.rows;
    });
  }

  /**
   * Like {@link query}, as a named prepared statement on PostgreSQL: parsed and planned once per
   * connection instead of on every call. For the hot statements (the send costs a third of the
   * PostgreSQL CPU this way, docs/benchmarks.md). `name` must always go with the same SQL text.
   */
  async queryPrepared<Row>(name: string, statement: SQL): Promise<Row[]> {
    if (!this.pool) return this.query<Row>(statement);
    const { sql: text, params } = dialect.sqlToQuery(statement);
    const result = await this.pool.query({ name, text, values: params });
    return result.rows as Row[];
  }

  /** Resolves when the database answers within two seconds. */
  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.db.execute(sql`select 1`), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private closing?: Promise<void>;

  /** Closes the pool or the embedded database; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.closeClient();
    return this.closing;
  }
}
