import { Redis } from 'ioredis';
import { type DeliveryLedger, StepStats } from '../delivery-ledger.js';
import { connectClients, LoadClient } from '../load-client.js';
import { openLoop } from '../open-loop.js';
import type { BenchOptions, ScenarioConfig, TargetKind } from '../options.js';
import type { DeliveryOutcome, Results } from '../report.js';
import { ResourceSampler, type ResourceSummary } from '../sampler.js';
import { ServerProcess, type BenchDatabase, type PrivateRedis, type Teardown } from '../stack.js';
import {
  buildWorld,
  createConversations,
  makeTarget,
  registerUsers,
  syntheticWorld,
  type Target,
  type World,
  type WorldShape,
} from '../target.js';
import { formatMs, randomHex } from '../util.js';

export interface BenchContext {
  options: BenchOptions;
  teardown: Teardown;
  database?: BenchDatabase;
  redis?: PrivateRedis;
  jwtSecret: string;
  runId: string;
  profileDir?: string;
  results: Results;
  log: (line: string) => void;
}

/**
 * Whether the nodes the bench starts for `config` share a Redis adapter: Parley and the ceiling
 * alike, so `--nodes 1 --redis on` compares like for like. Undefined: nodes not started here.
 */
export function usesRedis(options: BenchOptions, kind: TargetKind, config: ScenarioConfig) {
  const external = kind === 'parley' ? options.urls : options.baselineUrls;
  if (external.length > 0) return undefined;
  return options.redis === 'on' || (options.redis === 'auto' && config.nodes > 1);
}

/**
 * Runs `work` against a target: in managed mode starts `config.nodes` nodes (fresh, on free
 * ports, Redis between them when there are several) and stops them afterwards.
 */
export async function withTarget<T>(
  context: BenchContext,
  kind: TargetKind,
  config: ScenarioConfig,
  work: (target: Target) => Promise<T>,
): Promise<T> {
  const { options } = context;
  const external = kind === 'parley' ? options.urls : options.baselineUrls;
  if (external.length > 0) {
    return work(
      makeTarget({
        kind,
        urls: external,
        nodes: [],
        databaseUrl: kind === 'parley' ? options.databaseUrl : undefined,
      }),
    );
  }
  const useRedis = usesRedis(options, kind, config) === true;
  if (useRedis && context.redis) {
    // Nothing left over from the previous target (presence, rate buckets).
    const client = new Redis(context.redis.url);
    await client.flushall();
    client.disconnect();
  }
  const nodes: ServerProcess[] = [];
  try {
    // One first, so that it applies the migrations alone; the rest together.
    const serverOptions = {
      kind,
      databaseUrl: context.database!.url,
      redisUrl: useRedis ? context.redis?.url : undefined,
      poolSize: options.poolSize,
      jwtSecret: context.jwtSecret,
      profileDir: context.profileDir,
    };
    nodes.push(await ServerProcess.start(serverOptions, context.teardown));
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: config.nodes - 1 }, () =>
          ServerProcess.start(serverOptions, context.teardown),
        ),
      )),
    );
    context.log(
      `  ${kind}: ${nodes.length} node(s) ${nodes.map((node) => node.port).join(', ')}` +
        `${useRedis ? ' + redis' : ''}`,
    );
    return await work(
      makeTarget({
        kind,
        urls: nodes.map((node) => node.url),
        nodes,
        databaseUrl: context.database!.url,
      }),
    );
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

/** Users and conversations: registered on Parley, reused (ids only) by the baseline. */
export async function prepareWorld(
  context: BenchContext,
  target: Target,
  config: ScenarioConfig,
  shape: WorldShape,
  reuse?: World,
): Promise<World> {
  if (target.kind === 'baseline') return reuse ?? syntheticWorld(config.users, shape);
  const started = performance.now();
  const prefix = `b${context.runId}${config.scenario[0]}${randomHex(2)}_`;
  const users = await registerUsers(target.urls, prefix, config.users);
  const conversations =
    shape.type === 'none' ? [] : await createConversations(target.urls, users, shape);
  context.log(
    `  registered ${users.length} users, created ${conversations.length} conversations in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return buildWorld(users, conversations);
}

/** Clients for every user (`socketsPerUser` each), spread over the nodes round-robin. */
export function makeClients(
  target: Target,
  world: World,
  ledger: DeliveryLedger,
  count: number,
  reconnect: boolean,
  /** Clients that send receipts: the ceiling then moves a sender's watermarks on send, as Parley does. */
  receipts = false,
): LoadClient[] {
  return Array.from({ length: count }, (_, index) => {
    const userIndex = index % world.users.length;
    const nodeIndex = index % target.urls.length;
    const client = new LoadClient(
      index,
      nodeIndex,
      {
        url: target.urls[nodeIndex]!,
        auth: {
          ...target.handshakeAuth(world, userIndex),
          ...(receipts && target.kind === 'baseline' ? { watermarkOnSend: true } : {}),
        },
        conversationIds: world.conversationsOfUser[userIndex]!,
        reconnect,
        gaplessSeq: target.kind === 'parley',
      },
      ledger,
    );
    ledger.addClient(client);
    return client;
  });
}

/** Handshakes per second when connecting a scenario's clients (not what is measured). */
const SETUP_CONNECT_RATE = 500;

export async function connectOrThrow(clients: LoadClient[], log: (line: string) => void) {
  const outcome = await connectClients(clients, SETUP_CONNECT_RATE, 120_000);
  const handshake = outcome.latency.summary();
  log(
    `  connected ${outcome.connected}/${clients.length} sockets, handshake p99 ` +
      `${formatMs(handshake.p99)} ms`,
  );
  if (outcome.errors.total > 0) {
    throw new Error(`could not connect every socket: ${outcome.errors.toString()}`);
  }
}

export function closeAll(clients: LoadClient[]): void {
  for (const client of clients) client.close();
}

/**
 * Sends on the open-loop schedule for warm-up + duration: message i goes to conversation
 * i mod C, from that conversation's sockets in turn. Resources are sampled after the warm-up.
 */
export async function runStep(
  target: Target,
  world: World,
  ledger: DeliveryLedger,
  config: ScenarioConfig,
  rate: number,
  durationSec: number,
  onStart?: (measureStart: number) => void,
  beforeSettle?: () => Promise<void>,
  onBegin?: (step: StepStats) => void,
): Promise<{ step: StepStats; resources: ResourceSummary }> {
  const step = new StepStats(`${rate}/s`);
  const sampler = new ResourceSampler(target.metrics);
  const turns = new Map<string, number>();
  const warmupMs = config.warmupSec * 1000;
  let samplerStarted: Promise<void> | undefined;
  // Set before the loop's first send (the loop starts 1 ms from now).
  step.measureStart = performance.now() + warmupMs;
  step.measureEnd = step.measureStart + durationSec * 1000;
  onBegin?.(step);
  // With presence churn an offline member does not send; the next connected one does.
  const skipOffline = config.behaviour.churnPercentPerMin > 0;
  const loop = openLoop({
    rate,
    durationMs: warmupMs + durationSec * 1000,
    poisson: config.poisson,
    fire: (scheduledAt, index) => {
      const conversation = world.conversations[index % world.conversations.length]!;
      const sockets = ledger.recipients.get(conversation.id)!;
      const turn = turns.get(conversation.id) ?? 0;
      turns.set(conversation.id, turn + 1);
      const measured = scheduledAt >= step.measureStart;
      let sender = sockets[turn % sockets.length]!;
      for (let next = 1; skipOffline && !sender.socket.connected && next < sockets.length; next++) {
        sender = sockets[(turn + next) % sockets.length]!;
      }
      ledger.send(step, sender, conversation.id, scheduledAt, measured);
    },
  });
  const timer = setTimeout(() => {
    samplerStarted = sampler.start();
    onStart?.(step.measureStart);
  }, warmupMs);
  await loop;
  clearTimeout(timer);
  if (!samplerStarted) samplerStarted = sampler.start();
  await samplerStarted;
  const resources = await sampler.stop();
  await beforeSettle?.();
  await ledger.settle(step, config.drainSec * 1000);
  await ledger.checkStored(step, target.storedCounts);
  return { step, resources };
}

/** What became of the step's messages, once it has settled and been checked against the database. */
export function deliveryOutcome(step: StepStats): DeliveryOutcome {
  return {
    sent: step.sent,
    acked: step.acked,
    errors: { ...step.errors.counts },
    ack: step.ackLatency.summary(),
    delivery: step.deliveryLatency.summary(),
    expectedDeliveries: step.final.expectedDeliveries,
    receivedDeliveries: step.final.receivedDeliveries,
    lostDeliveries: step.final.lostDeliveries,
    lostMessages: step.final.lostMessages,
    duplicates: step.duplicates,
    dbMissing: step.final.dbMissing,
    dbDuplicates: step.final.dbDuplicates,
  };
}

export function integrityViolations(result: {
  lostDeliveries: number;
  duplicates: number;
  dbMissing?: number;
  dbDuplicates?: number;
  unexpected: number;
}): number {
  return (
    result.lostDeliveries +
    result.duplicates +
    (result.dbMissing ?? 0) +
    (result.dbDuplicates ?? 0) +
    result.unexpected
  );
}
