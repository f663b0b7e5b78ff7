import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export type ScenarioName = 'connections' | 'direct' | 'group' | 'reconnect-storm';
export type TargetKind = 'parley' | 'baseline';

/** One scenario to run: a preset's values, overridden by flags. */
export interface ScenarioConfig {
  scenario: ScenarioName;
  targets: TargetKind[];
  nodes: number;
  /** Registered users (direct: two per conversation; group: members are drawn from them). */
  users: number;
  /**
   * direct: conversations, between users (0, 1), (2, 3), ...; 0 means users / 2. With fewer
   * than users / 2 the other users are connected but idle (`--conversations`).
   */
  conversations: number;
  socketsPerUser: number;
  groupSize: number;
  /** Group conversations (group scenario). */
  groups: number;
  /** Offered rates in messages per second, stepped up in order until one fails. */
  rates: number[];
  durationSec: number;
  warmupSec: number;
  /** A step passes while delivery p99 stays at or under this (and nothing is lost). */
  sloMs: number;
  poisson: boolean;
  /** reconnect-storm: client sockets; connections: steps of idle sockets. */
  clients: number;
  steps: number[];
  connectRate: number;
  /** connections: a step fails when the handshake p99 exceeds this. */
  handshakeSloMs: number;
  restartSignal: NodeJS.Signals;
  /** reconnect-storm: seconds of traffic after the restart. */
  stormSec: number;
  /** reconnect-storm target: 99 % back and synced within this many seconds. */
  recoverSloSec: number;
  drainSec: number;
  /** What real clients do besides sending (direct and group); see {@link REAL_CLIENTS}. */
  behaviour: ClientBehaviour;
  /** realistic: a step also fails when a receipt command's ack p99 exceeds this. */
  receiptSloMs: number;
}

/** Real clients' traffic besides `message:send` (all off: a pure send benchmark). */
export interface ClientBehaviour {
  /** `message:delivered` per conversation, batched every 150 ms, as the web app sends it. */
  receipts: boolean;
  /** Share (0-1) of received messages that are marked read (`message:read`) a moment later. */
  readShare: number;
  /**
   * Share (0-1) of messages after which one of their recipients starts a typing episode
   * (`typing` true, then false), whatever the number of recipients.
   */
  typingShare: number;
  /** Users (percent of all) who disconnect per minute; each reconnects and syncs seconds later. */
  churnPercentPerMin: number;
}

const NO_BEHAVIOUR: ClientBehaviour = {
  receipts: false,
  readShare: 0,
  typingShare: 0,
  churnPercentPerMin: 0,
};

/** The realistic preset's clients (`--realistic` switches them on in any preset). */
export const REAL_CLIENTS: ClientBehaviour = {
  receipts: true,
  readShare: 0.3,
  typingShare: 0.1,
  churnPercentPerMin: 5,
};

export const isRealistic = (behaviour: ClientBehaviour): boolean =>
  behaviour.receipts ||
  behaviour.readShare > 0 ||
  behaviour.typingShare > 0 ||
  behaviour.churnPercentPerMin > 0;

const base: ScenarioConfig = {
  scenario: 'direct',
  targets: ['parley', 'baseline'],
  nodes: 2,
  users: 200,
  conversations: 0,
  socketsPerUser: 1,
  groupSize: 50,
  groups: 4,
  rates: [250, 500, 1000, 1500, 2000, 3000, 4000, 5000],
  durationSec: 10,
  warmupSec: 3,
  sloMs: 100,
  poisson: false,
  clients: 5000,
  steps: [1000, 5000, 10000, 20000, 30000, 40000],
  connectRate: 1000,
  handshakeSloMs: 1000,
  restartSignal: 'SIGTERM',
  stormSec: 25,
  recoverSloSec: 15,
  drainSec: 10,
  behaviour: NO_BEHAVIOUR,
  receiptSloMs: 50,
};

const scenario = (values: Partial<ScenarioConfig>): ScenarioConfig => ({ ...base, ...values });

const connections = scenario({ scenario: 'connections', users: 200 });
const direct = scenario({ scenario: 'direct' });
const group = scenario({
  scenario: 'group',
  rates: [50, 100, 200, 300, 400, 600],
  sloMs: 50,
});
const reconnectStorm = scenario({
  scenario: 'reconnect-storm',
  users: 500,
  clients: 5000,
  rates: [100],
  warmupSec: 3,
});

/** The workloads with real clients: 1,000 users in 500 direct pairs; 50-member groups. */
const realistic = [
  scenario({
    scenario: 'direct',
    nodes: 1,
    users: 1000,
    conversations: 500,
    rates: [1000],
    durationSec: 15,
    warmupSec: 5,
    behaviour: REAL_CLIENTS,
  }),
  scenario({
    scenario: 'group',
    nodes: 1,
    rates: [200],
    sloMs: 50,
    durationSec: 15,
    warmupSec: 5,
    behaviour: REAL_CLIENTS,
  }),
];

export const PRESETS: Record<string, ScenarioConfig[]> = {
  smoke: [
    scenario({
      scenario: 'direct',
      users: 20,
      rates: [100],
      durationSec: 4,
      warmupSec: 1,
      drainSec: 5,
    }),
    scenario({
      scenario: 'group',
      targets: ['parley'],
      users: 20,
      groupSize: 10,
      groups: 2,
      rates: [20],
      durationSec: 3,
      warmupSec: 1,
      drainSec: 5,
      sloMs: 100,
    }),
    scenario({
      scenario: 'reconnect-storm',
      targets: ['parley'],
      users: 20,
      clients: 100,
      rates: [50],
      warmupSec: 1,
      stormSec: 8,
      drainSec: 5,
    }),
    scenario({ scenario: 'connections', targets: ['parley'], users: 10, steps: [200] }),
    // Real clients, churn high enough that a few users drop and sync within the step.
    scenario({
      scenario: 'direct',
      targets: ['parley'],
      nodes: 1,
      users: 20,
      conversations: 8,
      rates: [40],
      durationSec: 3,
      warmupSec: 1,
      drainSec: 5,
      behaviour: { ...REAL_CLIENTS, churnPercentPerMin: 120 },
    }),
  ],
  connections: [connections],
  'connections-slow': [scenario({ scenario: 'connections', connectRate: 400 })],
  direct: [direct],
  'direct-1node': [scenario({ scenario: 'direct', nodes: 1 })],
  group: [group],
  'reconnect-storm': [reconnectStorm],
  realistic,
  full: [connections, scenario({ scenario: 'direct', nodes: 1 }), direct, group, reconnectStorm],
};

export interface BenchOptions {
  preset: string;
  scenarios: ScenarioConfig[];
  /** Parley nodes not started by the bench (`--url`). */
  urls: string[];
  baselineUrls: string[];
  /** The PostgreSQL server where the bench creates (and drops) its database. */
  adminDatabaseUrl: string;
  /** With `--url`: Parley's database, to check that acked messages were stored. */
  databaseUrl?: string;
  redis: 'auto' | 'on' | 'off';
  poolSize: number;
  profile: boolean;
  jsonPath?: string;
  /** Print the tables of an earlier `--json` file instead of running anything. */
  reportPath?: string;
}

export const USAGE = `Usage: npm run bench -- [--preset NAME] [flags]

Presets: ${Object.keys(PRESETS).join(', ')} (default smoke)
  smoke            every scenario, tiny, and real clients (CI: exits 1 if anything is lost or
                   duplicated)
  connections      idle sockets stepped 1k, 5k, 10k, 20k, ... until connect errors or
                   handshake p99 > 1 s, connecting 1,000 per second
  connections-slow the same at 400 connects per second: how many sockets the nodes hold
  direct           1:1 messages, rate stepped up until delivery p99 > 100 ms or a loss
  direct-1node     the same against one node without Redis
  group            50-member groups, rate stepped up until delivery p99 > 50 ms or a loss
  reconnect-storm  5,000 clients, one node restarted under traffic
  realistic        real clients on one node: receipts, reads, typing, presence churn; direct
                   (1,000 users, 500 conversations, 1,000 msg/s) and 50-member groups (200 msg/s)
  full             connections, connections-slow, direct-1node, direct, group, reconnect-storm

Flags (override the preset's values):
  --targets parley,baseline   what to measure (baseline: the bare socket.io ceiling)
  --nodes N                   server nodes (Redis joins them when N > 1)
  --users N                   registered users
  --conversations N           direct: N conversations (users 2i, 2i+1; default users / 2),
                              message i to conversation i mod N, its members in turn; users
                              beyond 2N stay connected and idle (--users defaults to 2N).
                              Group scenarios ignore it: their count is --groups
  --sockets-per-user N        sockets per user (several per user are legal)
  --group-size N --groups N   group scenario shape
  --rate R[,R2,...]           offered msg/s; a list is stepped up until a step fails
  --duration S --warmup S     seconds measured per step, seconds of warm-up before
  --slo-ms MS                 delivery p99 a step must stay under
  --arrival uniform|poisson   send schedule (open loop either way)
  --realistic                 real clients in any preset (receipts, 30 % read, 10 % typing,
                              5 %/min churn); each flag below overrides one behaviour
  --receipts on|off           message:delivered per conversation every 150 ms (as the web app)
  --read-share F              share of received messages marked read (message:read), 0-1
  --typing-share F            share of messages after which a recipient types, 0-1
  --churn PCT                 percent of users who disconnect per minute (back in 1-4 s, sync)
  --receipt-slo-ms MS         with receipts: receipt ack p99 a step must stay under (default 50)
  --clients N                 reconnect-storm sockets
  --storm S                   reconnect-storm seconds of traffic after the restart
  --restart-signal SIGTERM|SIGKILL
  --steps N[,N2,...]          connections: cumulative idle sockets per step
  --connect-rate N            handshakes per second offered
  --drain S                   seconds to wait for late acks and deliveries
  --url URL[,URL]             aim at running Parley nodes instead of starting them
  --baseline-url URL[,URL]    aim at running baseline nodes
  --database-url URL          with --url: Parley's database, to check stored messages
  --admin-database-url URL    where the bench database is created (default postgres://postgres@127.0.0.1:5432/postgres)
  --redis auto|on|off         Redis adapter for the nodes the bench starts, Parley and ceiling
                              alike (auto: when nodes > 1; on: also with --nodes 1)
  --pool-size N               DATABASE_POOL_SIZE of every node (default 10)
  --profile                   run Parley nodes under --cpu-prof and print their top frames
  --json FILE                 also write every result as JSON
  --report FILE               print the tables of an earlier --json file; runs nothing
`;

/** `{ [key]: value }`, or nothing when the flag was not given. */
const defined = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const numbers = (value: string) => list(value).map(Number);

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string', default: 'smoke' },
      targets: { type: 'string' },
      nodes: { type: 'string' },
      users: { type: 'string' },
      'sockets-per-user': { type: 'string' },
      'group-size': { type: 'string' },
      groups: { type: 'string' },
      conversations: { type: 'string' },
      realistic: { type: 'boolean', default: false },
      receipts: { type: 'string' },
      'read-share': { type: 'string' },
      'typing-share': { type: 'string' },
      churn: { type: 'string' },
      'receipt-slo-ms': { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'slo-ms': { type: 'string' },
      arrival: { type: 'string' },
      clients: { type: 'string' },
      storm: { type: 'string' },
      'restart-signal': { type: 'string' },
      steps: { type: 'string' },
      'connect-rate': { type: 'string' },
      drain: { type: 'string' },
      url: { type: 'string' },
      'baseline-url': { type: 'string' },
      'database-url': { type: 'string' },
      'admin-database-url': { type: 'string' },
      redis: { type: 'string', default: 'auto' },
      'pool-size': { type: 'string', default: '10' },
      profile: { type: 'boolean', default: false },
      json: { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const preset = PRESETS[values.preset];
  if (!preset) throw new Error(`unknown preset ${values.preset}\n\n${USAGE}`);
  const overrides: Partial<ScenarioConfig> = {};
  const int = (value: string | undefined, name: string) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0)
      throw new Error(`--${name}: not a number: ${value}`);
    return parsed;
  };
  if (values.targets) {
    const targets = list(values.targets);
    for (const target of targets) {
      if (target !== 'parley' && target !== 'baseline') throw new Error(`--targets: ${target}?`);
    }
    overrides.targets = targets as TargetKind[];
  }
  const set = <K extends keyof ScenarioConfig>(key: K, value: ScenarioConfig[K] | undefined) => {
    if (value !== undefined) overrides[key] = value;
  };
  set('nodes', int(values.nodes, 'nodes'));
  set('users', int(values.users, 'users'));
  set('socketsPerUser', int(values['sockets-per-user'], 'sockets-per-user'));
  set('groupSize', int(values['group-size'], 'group-size'));
  set('groups', int(values.groups, 'groups'));
  set('receiptSloMs', int(values['receipt-slo-ms'], 'receipt-slo-ms'));
  set('durationSec', int(values.duration, 'duration'));
  set('warmupSec', int(values.warmup, 'warmup'));
  set('sloMs', int(values['slo-ms'], 'slo-ms'));
  set('clients', int(values.clients, 'clients'));
  set('stormSec', int(values.storm, 'storm'));
  set('connectRate', int(values['connect-rate'], 'connect-rate'));
  set('drainSec', int(values.drain, 'drain'));
  if (values.rate) overrides.rates = numbers(values.rate);
  if (values.steps) overrides.steps = numbers(values.steps);
  if (values.arrival) overrides.poisson = values.arrival === 'poisson';
  if (values['restart-signal'])
    overrides.restartSignal = values['restart-signal'] as NodeJS.Signals;
  const conversations = int(values.conversations, 'conversations');
  const share = (value: string | undefined, name: string) => {
    const parsed = int(value, name);
    if (parsed !== undefined && parsed > 1) throw new Error(`--${name}: a share from 0 to 1`);
    return parsed;
  };
  if (values.receipts && !['on', 'off'].includes(values.receipts)) {
    throw new Error('--receipts: on or off');
  }
  const behaviourOverrides: Partial<ClientBehaviour> = {
    ...(values.receipts ? { receipts: values.receipts === 'on' } : {}),
    ...defined('readShare', share(values['read-share'], 'read-share')),
    ...defined('typingShare', share(values['typing-share'], 'typing-share')),
    ...defined('churnPercentPerMin', int(values.churn, 'churn')),
  };
  const scenarios = preset.map((config) => {
    const merged = { ...config, ...overrides };
    merged.behaviour = {
      ...(values.realistic ? REAL_CLIENTS : config.behaviour),
      ...behaviourOverrides,
    };
    // Direct pairs only: groups have --groups, so one command line can shape both.
    if (conversations !== undefined && merged.scenario === 'direct') {
      merged.conversations = conversations;
      if (!values.users) merged.users = 2 * conversations;
    }
    if (merged.scenario === 'direct' && 2 * merged.conversations > merged.users) {
      throw new Error(
        `--conversations ${merged.conversations} needs ${2 * merged.conversations} users, ` +
          `not ${merged.users}`,
      );
    }
    if (merged.scenario === 'group' && merged.groupSize > merged.users) {
      throw new Error(`--group-size ${merged.groupSize} is larger than --users ${merged.users}`);
    }
    return merged;
  });
  const urls = values.url ? list(values.url) : [];
  const baselineUrls = values['baseline-url'] ? list(values['baseline-url']) : [];
  if (urls.length > 0 || baselineUrls.length > 0) {
    // Aiming at running servers: measure those only.
    for (const config of scenarios) {
      config.targets = config.targets.filter((target) =>
        target === 'parley' ? urls.length > 0 : baselineUrls.length > 0,
      );
      config.nodes = urls.length || baselineUrls.length;
    }
  }
  if (!['auto', 'on', 'off'].includes(values.redis)) throw new Error('--redis: auto, on or off');
  return {
    preset: values.preset,
    scenarios,
    urls,
    baselineUrls,
    adminDatabaseUrl:
      values['admin-database-url'] ??
      process.env.BENCH_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    databaseUrl: values['database-url'],
    redis: values.redis as BenchOptions['redis'],
    poolSize: Number(values['pool-size']),
    profile: values.profile,
    // Relative to where `npm run bench` was started, not to bench/ where it runs.
    jsonPath: values.json && resolve(process.env.INIT_CWD ?? process.cwd(), values.json),
    reportPath: values.report && resolve(process.env.INIT_CWD ?? process.cwd(), values.report),
  };
}
