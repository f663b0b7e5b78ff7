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
}

const base: ScenarioConfig = {
  scenario: 'direct',
  targets: ['parley', 'baseline'],
  nodes: 2,
  users: 200,
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
  ],
  connections: [connections],
  'connections-slow': [scenario({ scenario: 'connections', connectRate: 400 })],
  direct: [direct],
  'direct-1node': [scenario({ scenario: 'direct', nodes: 1 })],
  group: [group],
  'reconnect-storm': [reconnectStorm],
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
  smoke            every scenario, tiny (CI: exits 1 if anything is lost or duplicated)
  connections      idle sockets stepped 1k, 5k, 10k, 20k, ... until connect errors or
                   handshake p99 > 1 s, connecting 1,000 per second
  connections-slow the same at 400 connects per second: how many sockets the nodes hold
  direct           1:1 messages, rate stepped up until delivery p99 > 100 ms or a loss
  direct-1node     the same against one node without Redis
  group            50-member groups, rate stepped up until delivery p99 > 50 ms or a loss
  reconnect-storm  5,000 clients, one node restarted under traffic
  full             connections, connections-slow, direct-1node, direct, group, reconnect-storm

Flags (override the preset's values):
  --targets parley,baseline   what to measure (baseline: the bare socket.io ceiling)
  --nodes N                   server nodes (Redis joins them when N > 1)
  --users N                   registered users
  --sockets-per-user N        sockets per user (several per user are legal)
  --group-size N --groups N   group scenario shape
  --rate R[,R2,...]           offered msg/s; a list is stepped up until a step fails
  --duration S --warmup S     seconds measured per step, seconds of warm-up before
  --slo-ms MS                 delivery p99 a step must stay under
  --arrival uniform|poisson   send schedule (open loop either way)
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
  --redis auto|on|off         Redis for the nodes the bench starts (auto: when nodes > 1)
  --pool-size N               DATABASE_POOL_SIZE of every node (default 10)
  --profile                   run Parley nodes under --cpu-prof and print their top frames
  --json FILE                 also write every result as JSON
  --report FILE               print the tables of an earlier --json file; runs nothing
`;

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
  set('groups', int(values.groups ?? values.conversations, 'groups'));
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
  // --conversations for direct: that many pairs.
  const scenarios = preset.map((config) => {
    const merged = { ...config, ...overrides };
    if (values.conversations && merged.scenario === 'direct' && !values.users) {
      merged.users = 2 * Number(values.conversations);
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
