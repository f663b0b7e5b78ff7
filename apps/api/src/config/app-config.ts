import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { MAX_GROUP_MEMBERS } from '@parley/protocol';
import { z } from 'zod';

/** A bad environment: start-up stops with one line per offending variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());
const positiveInt = (fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().default(fallback));

// Express's names for address ranges, accepted in TRUST_PROXY besides addresses and CIDRs.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** A hop count, or the proxies' addresses/CIDRs; unset trusts no proxy (0 hops). */
const trustProxySchema = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .optional()
    .transform((value, context): number | string[] => {
      if (value === undefined) return 0;
      if (/^\d+$/.test(value.trim())) return Number(value.trim());
      const entries = value.split(',').map((entry) => entry.trim());
      const invalid = entries.filter((entry) => !isAddressOrCidr(entry));
      if (invalid.length > 0) {
        context.addIssue({
          code: 'custom',
          message: `must be a hop count or comma-separated addresses/CIDRs; invalid: ${invalid.join(', ')}`,
        });
        return z.NEVER;
      }
      return entries;
    }),
);

const environmentSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyAsUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  DATABASE_POOL_SIZE: positiveInt(10),
  SEND_BATCH_MAX: positiveInt(128),
  SEND_BATCHES_IN_FLIGHT: positiveInt(2),
  REDIS_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
  ),
  JWT_SECRET: z.preprocess(
    emptyAsUndefined,
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  ACCESS_TOKEN_TTL_SEC: positiveInt(15 * 60),
  REFRESH_TOKEN_TTL_SEC: positiveInt(30 * 24 * 60 * 60),
  CORS_ORIGIN: optionalString,
  PARLEY_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./data')),
  SEND_RATE_BURST: positiveInt(60),
  SEND_RATE_PER_SEC: positiveInt(5),
  CHANGE_RATE_BURST: positiveInt(60),
  CHANGE_RATE_PER_SEC: positiveInt(5),
  AUTH_RATE_PER_MIN: positiveInt(30),
  PRESENCE_TTL_SEC: positiveInt(15),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  TRUST_PROXY: trustProxySchema,
  MAX_GROUP_MEMBERS: z.preprocess(
    emptyAsUndefined,
    z.coerce.number().int().min(2).default(MAX_GROUP_MEMBERS),
  ),
  CONVERSATION_CREATE_RATE_PER_MIN: positiveInt(30),
  GROUP_CHANGE_RATE_PER_MIN: positiveInt(60),
  MAX_SOCKETS_PER_USER: positiveInt(20),
  READ_RATE_BURST: positiveInt(300),
  READ_RATE_PER_SEC: positiveInt(20),
  USER_SEARCH_PER_MIN: positiveInt(60),
  METRICS_PORT: z.preprocess(
    emptyAsUndefined,
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
  HANDSHAKE_RATE_BURST: positiveInt(30),
  HANDSHAKE_RATE_PER_SEC: positiveInt(1),
  METRICS_HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
});

/** The validated configuration of one API node; built once, injected everywhere. */
export class AppConfig {
  readonly nodeEnv!: 'development' | 'production' | 'test';
  readonly port!: number;
  readonly host!: string;
  /** Unset: embedded PostgreSQL (PGlite) in `dataDir`. */
  readonly databaseUrl?: string;
  readonly databasePoolSize!: number;
  /** The most sends one statement (one commit) writes. */
  readonly sendBatchMax!: number;
  /**
   * Send statements one node has running at once; the sends that arrive meanwhile wait and go
   * together in the next one (group commit). Each holds a pool connection while it runs.
   */
  readonly sendBatchesInFlight!: number;
  /** Unset: this node runs alone, without the Redis adapter. */
  readonly redisUrl?: string;
  readonly jwtSecret!: string;
  readonly accessTokenTtlSec!: number;
  readonly refreshTokenTtlSec!: number;
  /** Allowed browser origins; empty means same-origin only. */
  readonly corsOrigins!: string[];
  readonly dataDir!: string;
  readonly sendRateBurst!: number;
  readonly sendRatePerSec!: number;
  /** Per-user token bucket of message changes: `message:edit`, `message:delete`, `message:react`. */
  readonly changeRateBurst!: number;
  readonly changeRatePerSec!: number;
  readonly authRatePerMin!: number;
  /** How long a crashed node's users stay "online" at most (its heartbeat's time to live). */
  readonly presenceTtlSec!: number;
  readonly logLevel!: string;
  /**
   * Which proxies' `X-Forwarded-For` entries to believe when finding the client's address
   * (Express's `trust proxy`): a hop count, or the proxies' addresses/CIDRs.
   * @default 0 (no proxy: the socket's address is the client)
   */
  readonly trustProxy!: number | string[];
  /** A group's members at most, the creator included. */
  readonly maxGroupMembers!: number;
  /** Conversations (direct or group) one user may create per minute, across nodes. */
  readonly conversationCreateRatePerMin!: number;
  /** Renames and member additions/removals one user may make per minute, across nodes. */
  readonly groupChangeRatePerMin!: number;
  /** Sockets one user may hold across all nodes; one more is refused at the handshake. */
  readonly maxSocketsPerUser!: number;
  /**
   * Per-user token bucket of each read-side request kind: `message:read`, `conversation:join`,
   * `sync`, and authenticated REST GETs (each kind has its own bucket).
   */
  readonly readRateBurst!: number;
  readonly readRatePerSec!: number;
  /** User searches per user per minute (and their burst). */
  readonly userSearchRatePerMin!: number;
  /** Set: `/metrics` is served only on this port, on `metricsHost`, and 404 on the main port. */
  readonly metricsPort?: number;
  /**
   * Per-user token bucket of socket handshakes (after the token is verified): connect churn
   * past it is refused with `connect_error` "rate_limited".
   */
  readonly handshakeRateBurst!: number;
  readonly handshakeRatePerSec!: number;
  /**
   * The address the `METRICS_PORT` listener binds. Loopback by default; `0.0.0.0` only on a
   * private network, for a Prometheus in another container.
   */
  readonly metricsHost!: string;

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

/**
 * Parses the environment into an {@link AppConfig}, or throws a {@link ConfigError} that names
 * every bad variable. Without `JWT_SECRET` outside production, a generated secret is kept in
 * the data folder so tokens survive a restart.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const values = parsed.data;
  const dataDir = resolve(values.PARLEY_DATA_DIR);
  if (!values.JWT_SECRET && values.NODE_ENV === 'production') {
    throw new ConfigError(['JWT_SECRET: required when NODE_ENV=production']);
  }
  if (values.METRICS_PORT && values.METRICS_PORT === values.PORT) {
    throw new ConfigError(['METRICS_PORT: must differ from PORT']);
  }
  return new AppConfig({
    nodeEnv: values.NODE_ENV,
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    databasePoolSize: values.DATABASE_POOL_SIZE,
    sendBatchMax: values.SEND_BATCH_MAX,
    sendBatchesInFlight: values.SEND_BATCHES_IN_FLIGHT,
    redisUrl: values.REDIS_URL,
    jwtSecret: values.JWT_SECRET ?? readOrCreateDevelopmentSecret(dataDir),
    accessTokenTtlSec: values.ACCESS_TOKEN_TTL_SEC,
    refreshTokenTtlSec: values.REFRESH_TOKEN_TTL_SEC,
    corsOrigins: (values.CORS_ORIGIN ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    dataDir,
    sendRateBurst: values.SEND_RATE_BURST,
    sendRatePerSec: values.SEND_RATE_PER_SEC,
    changeRateBurst: values.CHANGE_RATE_BURST,
    changeRatePerSec: values.CHANGE_RATE_PER_SEC,
    authRatePerMin: values.AUTH_RATE_PER_MIN,
    presenceTtlSec: values.PRESENCE_TTL_SEC,
    logLevel: values.LOG_LEVEL,
    trustProxy: values.TRUST_PROXY,
    maxGroupMembers: values.MAX_GROUP_MEMBERS,
    conversationCreateRatePerMin: values.CONVERSATION_CREATE_RATE_PER_MIN,
    groupChangeRatePerMin: values.GROUP_CHANGE_RATE_PER_MIN,
    maxSocketsPerUser: values.MAX_SOCKETS_PER_USER,
    readRateBurst: values.READ_RATE_BURST,
    readRatePerSec: values.READ_RATE_PER_SEC,
    userSearchRatePerMin: values.USER_SEARCH_PER_MIN,
    metricsPort: values.METRICS_PORT,
    handshakeRateBurst: values.HANDSHAKE_RATE_BURST,
    handshakeRatePerSec: values.HANDSHAKE_RATE_PER_SEC,
    metricsHost: values.METRICS_HOST,
  });
}

function readOrCreateDevelopmentSecret(dataDir: string): string {
  const path = join(dataDir, 'jwt-secret');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    // 'wx': if another node created it meanwhile, keep theirs.
    try {
      writeFileSync(path, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return readFileSync(path, 'utf8').trim();
    }
  }
}
