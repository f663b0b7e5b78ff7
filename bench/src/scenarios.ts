import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { AgentCommand, OpenedReport } from './connect-agent.js';
import { connectClients, Ledger, LoadClient, openLoop, StepStats } from './load.js';
import type { BenchOptions, ScenarioConfig, TargetKind } from './options.js';
import type { ConnectionStepResult, MessagingStepResult, Results, StormResult } from './report.js';
import { ResourceSampler, scrapeNode, type ResourceSummary } from './sampler.js';
import { ServerProcess, type BenchDatabase, type PrivateRedis, type Teardown } from './stack.js';
import { Counter, LatencyHistogram } from './stats.js';
import {
  buildWorld,
  createConversations,
  makeTarget,
  registerUsers,
  syntheticWorld,
  type Target,
  type World,
} from './target.js';
import { formatInt, formatMs, randomHex, sleep } from './util.js';

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
 * Runs `work` against a target: in managed mode starts `config.nodes` nodes (fresh, on free
 * ports, Redis between them when there are several) and stops them afterwards.
 */
async function withTarget<T>(
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
  const useRedis = options.redis === 'on' || (options.redis === 'auto' && config.nodes > 1);
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
async function prepareWorld(
  context: BenchContext,
  target: Target,
  config: ScenarioConfig,
  shape:
    { type: 'direct' } | { type: 'group'; groupSize: number; count: number } | { type: 'none' },
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
function makeClients(
  target: Target,
  world: World,
  ledger: Ledger,
  count: number,
  reconnect: boolean,
): LoadClient[] {
  return Array.from({ length: count }, (_, index) => {
    const userIndex = index % world.users.length;
    const nodeIndex = index % target.urls.length;
    const client = new LoadClient(
      index,
      nodeIndex,
      {
        url: target.urls[nodeIndex]!,
        auth: target.handshakeAuth(world, userIndex),
        conversationIds: world.conversationsOfUser[userIndex]!,
        reconnect,
      },
      ledger,
    );
    ledger.addClient(client);
    return client;
  });
}

/** Handshakes per second when connecting a scenario's clients (not what is measured). */
const SETUP_CONNECT_RATE = 500;

async function connectOrThrow(clients: LoadClient[], log: (line: string) => void) {
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

function closeAll(clients: LoadClient[]): void {
  for (const client of clients) client.close();
}

/**
 * Sends on the open-loop schedule for warm-up + duration: message i goes to conversation
 * i mod C, from that conversation's sockets in turn. Resources are sampled after the warm-up.
 */
async function runStep(
  target: Target,
  world: World,
  ledger: Ledger,
  config: ScenarioConfig,
  rate: number,
  durationSec: number,
  onStart?: (measureStart: number) => void,
  beforeSettle?: () => Promise<void>,
): Promise<{ step: StepStats; resources: ResourceSummary }> {
  const step = new StepStats(`${rate}/s`);
  const sampler = new ResourceSampler(target.metrics);
  const turns = new Map<string, number>();
  const warmupMs = config.warmupSec * 1000;
  let samplerStarted: Promise<void> | undefined;
  // Set before the loop's first send (the loop starts 1 ms from now).
  step.measureStart = performance.now() + warmupMs;
  step.measureEnd = step.measureStart + durationSec * 1000;
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
      ledger.send(step, sockets[turn % sockets.length]!, conversation.id, scheduledAt, measured);
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

function messagingResult(
  config: ScenarioConfig,
  target: Target,
  rate: number,
  step: StepStats,
  resources: ResourceSummary,
  unexpected: number,
): MessagingStepResult {
  const delivery = step.deliveryLatency.summary();
  const result: MessagingStepResult = {
    scenario: config.scenario,
    target: target.kind,
    nodes: target.urls.length,
    rate,
    sent: step.sent,
    acked: step.acked,
    errors: { ...step.errors.counts },
    ack: step.ackLatency.summary(),
    delivery,
    sendLagP99Ms: step.sendLag.summary().p99,
    expectedDeliveries: step.final.expectedDeliveries,
    receivedDeliveries: step.final.receivedDeliveries,
    lostDeliveries: step.final.lostDeliveries,
    lostMessages: step.final.lostMessages,
    duplicates: step.duplicates,
    dbMissing: step.final.dbMissing,
    dbDuplicates: step.final.dbDuplicates,
    unexpected,
    ackedPerSec: step.measuredAcked / step.measuredSeconds,
    deliveriesPerSec: step.measuredDelivered / step.measuredSeconds,
    resources,
    passed: false,
  };
  result.passed =
    integrityViolations(result) === 0 &&
    step.errors.total === 0 &&
    Number.isFinite(delivery.p99) &&
    delivery.p99 <= config.sloMs;
  return result;
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

/** Why a step ends the stepping: loss (fails the run), refusals, or only latency. */
function verdict(result: MessagingStepResult): string {
  if (result.passed) return 'pass';
  if (integrityViolations(result) > 0) return 'LOST OR DUPLICATED';
  if (Object.keys(result.errors).length > 0) return 'errors: step failed';
  return 'over the latency SLO: step failed';
}

function describeStep(result: MessagingStepResult): string {
  const errors = Object.entries(result.errors)
    .map(([code, count]) => `${code}:${count}`)
    .join(' ');
  return (
    `    ${String(result.rate).padStart(5)} msg/s: ack p99 ${formatMs(result.ack.p99)} ms, ` +
    `delivery p50/p99/max ${formatMs(result.delivery.p50)}/${formatMs(result.delivery.p99)}/` +
    `${formatMs(result.delivery.max)} ms, ${formatInt(result.deliveriesPerSec)} deliveries/s, ` +
    `lost ${result.lostDeliveries}, dup ${result.duplicates}, db missing ${result.dbMissing ?? '?'}` +
    `${errors ? `, errors ${errors}` : ''}, node cpu ` +
    `${result.resources.nodeCpuPercent.map((cpu) => cpu.toFixed(0)).join('+')}%, gen cpu ` +
    `${result.resources.generatorCpuPercent.toFixed(0)}%, pg cpu ` +
    `${result.resources.postgresCpuPercent.toFixed(0)}% -> ${verdict(result)}`
  );
}

/** direct and group: step the rate up until a step misses the SLO or loses anything. */
export async function runMessaging(context: BenchContext, config: ScenarioConfig): Promise<void> {
  const shape =
    config.scenario === 'direct'
      ? ({ type: 'direct' } as const)
      : ({ type: 'group', groupSize: config.groupSize, count: config.groups } as const);
  let world: World | undefined;
  for (const kind of config.targets) {
    context.log(`${config.scenario} on ${kind} (${config.nodes} node(s)):`);
    await withTarget(context, kind, config, async (target) => {
      world = await prepareWorld(context, target, config, shape, world);
      const ledger = new Ledger();
      const clients = makeClients(
        target,
        world,
        ledger,
        world.users.length * config.socketsPerUser,
        false,
      );
      try {
        await connectOrThrow(clients, context.log);
        for (const rate of config.rates) {
          const unexpectedBefore = ledger.unexpected;
          const { step, resources } = await runStep(
            target,
            world,
            ledger,
            config,
            rate,
            config.durationSec,
          );
          const result = messagingResult(
            config,
            target,
            rate,
            step,
            resources,
            ledger.unexpected - unexpectedBefore,
          );
          ledger.forget(step);
          context.results.messaging.push(result);
          context.log(describeStep(result));
          if (!result.passed) break;
        }
      } finally {
        closeAll(clients);
      }
    });
  }
}

/** reconnect-storm: restart the last node under traffic; time until its clients are back. */
export async function runReconnectStorm(
  context: BenchContext,
  config: ScenarioConfig,
): Promise<void> {
  let world: World | undefined;
  for (const kind of config.targets) {
    context.log(`reconnect-storm on ${kind} (${config.nodes} node(s), ${config.clients} clients):`);
    await withTarget(context, kind, config, async (target) => {
      if (target.nodes.length === 0) {
        context.log('  skipped: the bench can restart only nodes it started itself');
        return;
      }
      world = await prepareWorld(context, target, config, { type: 'direct' }, world);
      const ledger = new Ledger();
      const clients = makeClients(target, world, ledger, config.clients, true);
      const restartIndex = target.nodes.length - 1;
      const affected = clients.filter((client) => client.nodeIndex === restartIndex);
      try {
        await connectOrThrow(clients, context.log);
        let restartedAt = 0;
        let restart: Promise<{ stoppedAt: number; upAt: number }> | undefined;
        const rate = config.rates[0]!;
        // Watch the affected clients come back: reconnected, then synced after the restart.
        const backTimes: number[] = [];
        const syncedTimes: number[] = [];
        const seen = new Set<LoadClient>();
        const seenSynced = new Set<LoadClient>();
        const look = () => {
          for (const client of affected) {
            if (!seen.has(client) && client.connects > 1) {
              seen.add(client);
              backTimes.push(client.connectedAt - restartedAt);
            }
            if (!seenSynced.has(client) && client.connects > 1 && client.syncedAt > restartedAt) {
              seenSynced.add(client);
              syncedTimes.push(client.syncedAt - restartedAt);
            }
          }
        };
        const watcher = setInterval(() => restartedAt > 0 && look(), 50);
        let node: { stoppedAt: number; upAt: number } | undefined;
        const { step, resources } = await runStep(
          target,
          world,
          ledger,
          config,
          rate,
          config.stormSec,
          () => {
            restartedAt = performance.now();
            restart = target.nodes[restartIndex]!.restart(config.restartSignal);
          },
          // Before counting losses: the node is back and every client had its chance to sync.
          async () => {
            node = await restart;
            const deadline = performance.now() + config.recoverSloSec * 4_000;
            while (seenSynced.size < affected.length && performance.now() < deadline) {
              await sleep(100);
            }
          },
        );
        clearInterval(watcher);
        look();
        const quantile = (times: number[], share: number) => {
          const needed = Math.ceil(affected.length * share);
          const sorted = [...times].sort((a, b) => a - b);
          return sorted.length >= needed && needed > 0 ? sorted[needed - 1]! / 1000 : NaN;
        };
        const syncFailures = new Counter();
        for (const client of clients) {
          for (const [code, count] of Object.entries(client.syncFailures.counts)) {
            syncFailures.add(code, count);
          }
        }
        const delivery = step.deliveryLatency.summary();
        const result: StormResult = {
          scenario: 'reconnect-storm',
          target: target.kind,
          nodes: target.urls.length,
          clients: clients.length,
          affected: affected.length,
          rate,
          signal: config.restartSignal,
          stopSec: node ? (node.stoppedAt - restartedAt) / 1000 : NaN,
          restartSec: node ? (node.upAt - restartedAt) / 1000 : NaN,
          back99Sec: quantile(backTimes, 0.99),
          synced99Sec: quantile(syncedTimes, 0.99),
          synced100Sec: quantile(syncedTimes, 1),
          syncedCount: seenSynced.size,
          sent: step.sent,
          acked: step.acked,
          resent: step.resent,
          errors: { ...step.errors.counts },
          syncFailures: { ...syncFailures.counts },
          delivery,
          ack: step.ackLatency.summary(),
          expectedDeliveries: step.final.expectedDeliveries,
          receivedDeliveries: step.final.receivedDeliveries,
          deliveredBySync: step.deliveredBySync,
          syncOverlaps: step.syncOverlaps,
          lostDeliveries: step.final.lostDeliveries,
          lostMessages: step.final.lostMessages,
          duplicates: step.duplicates,
          dbMissing: step.final.dbMissing,
          dbDuplicates: step.final.dbDuplicates,
          unexpected: ledger.unexpected,
          resources,
          passed: false,
        };
        result.passed =
          integrityViolations(result) === 0 &&
          result.syncedCount === affected.length &&
          result.synced99Sec <= config.recoverSloSec;
        context.results.storms.push(result);
        context.log(
          `    restart (${config.restartSignal}): stopped after ${result.stopSec.toFixed(1)} s, ` +
            `up again after ${result.restartSec.toFixed(1)} s; ` +
            `${affected.length} clients back 99% ${result.back99Sec.toFixed(1)} s, synced 99% ` +
            `${result.synced99Sec.toFixed(1)} s / 100% ${result.synced100Sec.toFixed(1)} s; ` +
            `sent ${step.sent}, acked ${step.acked}, resent ${step.resent}, by sync ` +
            `${step.deliveredBySync}, lost ${result.lostDeliveries}, dup ${result.duplicates}, db ` +
            `missing ${result.dbMissing ?? '?'} -> ${result.passed ? 'pass' : 'FAIL'}`,
        );
      } finally {
        closeAll(clients);
      }
    });
  }
}

const agentScript = fileURLToPath(new URL('./connect-agent.js', import.meta.url));
const SOCKETS_PER_AGENT = 8_000;

/** A forked agent process and a way to ask it something over IPC. */
class Agent {
  readonly child: ChildProcess;
  held = 0;

  constructor(teardown: Teardown) {
    this.child = fork(agentScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    teardown.trackChild(this.child);
  }

  ask<T>(command: AgentCommand, answerType: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== answerType) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = () => reject(new Error('connect agent exited'));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(command);
    });
  }

  close(): void {
    if (this.child.connected) this.child.send({ type: 'close' } satisfies AgentCommand);
  }
}

/** connections: idle sockets stepped up until connect errors or handshake p99 > 1 s. */
export async function runConnections(context: BenchContext, config: ScenarioConfig): Promise<void> {
  let world: World | undefined;
  for (const kind of config.targets) {
    context.log(`connections on ${kind} (${config.nodes} node(s)):`);
    await withTarget(context, kind, config, async (target) => {
      world = await prepareWorld(context, target, config, { type: 'none' }, world);
      const idle = await Promise.all(target.metrics.map(scrapeNode));
      const rssIdle = idle.reduce((sum, sample) => sum + (sample?.rss ?? 0), 0);
      const agents: Agent[] = [];
      let held = 0;
      try {
        for (const goal of config.steps) {
          const adding = goal - held;
          if (adding <= 0) continue;
          // Fill agents up to SOCKETS_PER_AGENT each; every agent opens its share at its share
          // of the rate, so together they offer `connectRate`.
          const shares: { agent: Agent; count: number }[] = [];
          let left = adding;
          while (left > 0) {
            let agent = agents.find((candidate) => candidate.held < SOCKETS_PER_AGENT);
            if (!agent) {
              agent = new Agent(context.teardown);
              agents.push(agent);
            }
            const count = Math.min(left, SOCKETS_PER_AGENT - agent.held);
            agent.held += count;
            shares.push({ agent, count });
            left -= count;
          }
          let socketIndex = held;
          const sampler = new ResourceSampler(
            target.metrics,
            agents.map((agent) => agent.child.pid ?? 0),
          );
          await sampler.start(500);
          const reports = await Promise.all(
            shares.map(({ agent, count }) => {
              const items = Array.from({ length: count }, () => {
                const index = socketIndex++;
                const nodeIndex = index % target.urls.length;
                return {
                  url: target.urls[nodeIndex]!,
                  auth: target.handshakeAuth(world!, index % world!.users.length),
                  // Many source addresses, so that source ports do not run out.
                  localAddress: `127.0.0.${2 + (index % 200)}`,
                };
              });
              return agent.ask<OpenedReport>(
                {
                  type: 'open',
                  items,
                  ratePerSec: (config.connectRate * count) / adding,
                  timeoutMs: 20_000,
                },
                'opened',
              );
            }),
          );
          const resources = await sampler.stop();
          held = goal;
          const handshake = new LatencyHistogram();
          const errors = new Counter();
          for (const report of reports) {
            for (const latency of report.latenciesMs) handshake.recordMs(latency);
            for (const [code, count] of Object.entries(report.errors)) errors.add(code, count);
          }
          const first = Math.min(...reports.map((report) => report.firstScheduledAt));
          const last = Math.max(...reports.map((report) => report.lastConnectedAt));
          // Let the nodes settle, then see who is still connected and what memory they hold.
          await sleep(3_000);
          const counts = await Promise.all(
            agents.map((agent) => agent.ask<{ connected: number }>({ type: 'count' }, 'counted')),
          );
          const connected = counts.reduce((sum, count) => sum + count.connected, 0);
          const samples = await Promise.all(target.metrics.map(scrapeNode));
          const rss = samples.reduce((sum, sample) => sum + (sample?.rss ?? 0), 0);
          const summary = handshake.summary();
          const result: ConnectionStepResult = {
            scenario: 'connections',
            target: target.kind,
            nodes: target.urls.length,
            sockets: goal,
            connectRateOffered: config.connectRate,
            connected,
            errors: { ...errors.counts },
            handshake: summary,
            connectRatePerSec: (handshake.count / Math.max(1, last - first)) * 1000,
            rssBytes: rss,
            rssPerConnectionBytes: connected > 0 ? (rss - rssIdle) / connected : NaN,
            resources,
            passed: false,
          };
          result.passed =
            errors.total === 0 && connected === goal && summary.p99 <= config.handshakeSloMs;
          context.results.connections.push(result);
          context.log(
            `    ${formatInt(goal)} sockets: connected ${formatInt(connected)}, handshake ` +
              `p50/p99/max ${formatMs(summary.p50)}/${formatMs(summary.p99)}/` +
              `${formatMs(summary.max)} ms, ${formatInt(result.connectRatePerSec)}/s, RSS ` +
              `${(rss / 2 ** 20).toFixed(0)} MiB (${(result.rssPerConnectionBytes / 1024).toFixed(1)} ` +
              `KiB/conn)${errors.total > 0 ? `, errors ${errors.toString()}` : ''} -> ` +
              `${result.passed ? 'pass' : 'FAIL'}`,
          );
          if (!result.passed) break;
        }
      } finally {
        for (const agent of agents) agent.close();
        await Promise.all(
          agents.map(
            (agent) =>
              new Promise<void>((resolve) => {
                if (agent.child.exitCode !== null) return resolve();
                const timer = setTimeout(() => {
                  agent.child.kill('SIGKILL');
                  resolve();
                }, 10_000);
                agent.child.once('exit', () => {
                  clearTimeout(timer);
                  resolve();
                });
              }),
          ),
        );
      }
    });
  }
}
