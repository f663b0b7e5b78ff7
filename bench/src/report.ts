import type { AckSecond } from './delivery-ledger.js';
import { isRealistic, type ScenarioConfig } from './options.js';
import type { ReceiptSummary } from './real-clients.js';
import type { ResourceSummary } from './sampler.js';
import type { LatencySummary } from './stats.js';
import { formatInt, formatMs, markdownTable } from './util.js';

/** What became of the messages of one step: sent, acked, delivered, lost, stored. */
export interface DeliveryOutcome {
  sent: number;
  acked: number;
  errors: Record<string, number>;
  ack: LatencySummary;
  delivery: LatencySummary;
  expectedDeliveries: number;
  receivedDeliveries: number;
  lostDeliveries: number;
  lostMessages: number;
  duplicates: number;
  dbMissing?: number;
  dbDuplicates?: number;
}

export interface MessagingStepResult extends DeliveryOutcome {
  scenario: string;
  /** The scenario and its clients, e.g. `direct realistic`: what the summary groups by. */
  workload?: string;
  target: string;
  nodes: number;
  /** The nodes shared a Redis adapter; undefined: nodes not started by the bench. */
  redis?: boolean;
  users?: number;
  conversations?: number;
  rate: number;
  sendLagP99Ms: number;
  /** Ack p99 and max per second of the window: isolated stalls (issue 11). */
  ackPerSecond?: AckSecond[];
  unexpected: number;
  ackedPerSec: number;
  deliveriesPerSec: number;
  /** Deliveries that came by `sync` (sockets back from presence churn), not live. */
  deliveredBySync?: number;
  /**
   * With presence churn: live deliveries only, what the step's SLO applies to (a message to a
   * user who is away arrives by sync when they are back; `delivery` counts those too).
   */
  liveDelivery?: LatencySummary;
  resources: ResourceSummary;
  /** Receipts, typing and churn of real clients (the realistic preset). */
  receipts?: ReceiptSummary;
  passed: boolean;
}

/** `direct`, `group`, or either with ` realistic` when its clients do more than send. */
export function workloadLabel(config: ScenarioConfig): string {
  return `${config.scenario}${isRealistic(config.behaviour) ? ' realistic' : ''}`;
}

const redisText = (redis: boolean | undefined) =>
  redis === undefined ? '?' : redis ? 'yes' : 'no';

export interface ConnectionStepResult {
  scenario: 'connections';
  target: string;
  nodes: number;
  sockets: number;
  connectRateOffered: number;
  connected: number;
  errors: Record<string, number>;
  handshake: LatencySummary;
  connectRatePerSec: number;
  rssBytes: number;
  rssPerConnectionBytes: number;
  resources: ResourceSummary;
  passed: boolean;
}

export interface StormResult extends DeliveryOutcome {
  scenario: 'reconnect-storm';
  target: string;
  nodes: number;
  clients: number;
  affected: number;
  rate: number;
  signal: string;
  /** From the signal to the process's exit. */
  stopSec: number;
  /** From the signal to the new process answering /health. */
  restartSec: number;
  back99Sec: number;
  synced99Sec: number;
  synced100Sec: number;
  syncedCount: number;
  resent: number;
  syncFailures: Record<string, number>;
  deliveredBySync: number;
  syncOverlaps: number;
  unexpected: number;
  resources: ResourceSummary;
  passed: boolean;
}

export interface Results {
  meta: Record<string, unknown>;
  messaging: MessagingStepResult[];
  connections: ConnectionStepResult[];
  storms: StormResult[];
  failures: string[];
}

const errorsText = (errors: Record<string, number>) =>
  Object.entries(errors)
    .map(([code, count]) => `${code}:${count}`)
    .join(' ') || '0';
const optional = (value: number | undefined) => (value === undefined ? 'n/a' : String(value));
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const percents = (values: number[]) => values.map((value) => value.toFixed(0)).join('+');
const seconds = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');

export function messagingTable(results: MessagingStepResult[]): string {
  return markdownTable(
    [
      'scenario',
      'target',
      'nodes',
      'redis',
      'users/conv',
      'offered/s',
      'acked/s',
      'deliv/s',
      'ack p50',
      'ack p99',
      'deliv p50',
      'p90',
      'p99',
      'p99.9',
      'max',
      'sent',
      'acked',
      'errors',
      'deliv exp/recv',
      'lost',
      'dup',
      'db miss',
      'node cpu %',
      'loop p99',
      'rss MiB',
      'gen cpu %',
      'pg cpu %',
      'box %',
      'ok',
    ],
    results.map((result) => [
      result.workload ?? result.scenario,
      result.target,
      String(result.nodes),
      redisText(result.redis),
      result.users === undefined ? '?' : `${result.users}/${result.conversations}`,
      formatInt(result.rate),
      formatInt(result.ackedPerSec),
      formatInt(result.deliveriesPerSec),
      formatMs(result.ack.p50),
      formatMs(result.ack.p99),
      formatMs(result.delivery.p50),
      formatMs(result.delivery.p90),
      formatMs(result.delivery.p99),
      formatMs(result.delivery.p999),
      formatMs(result.delivery.max),
      String(result.sent),
      String(result.acked),
      errorsText(result.errors),
      `${result.expectedDeliveries}/${result.receivedDeliveries}`,
      String(result.lostDeliveries),
      String(result.duplicates),
      optional(result.dbMissing),
      percents(result.resources.nodeCpuPercent),
      formatMs(result.resources.eventLoopP99MaxMs),
      result.resources.nodeRssMaxBytes.map(mib).join('+'),
      result.resources.generatorCpuPercent.toFixed(0),
      result.resources.postgresCpuPercent.toFixed(0),
      result.resources.machineBusyPercent.toFixed(0),
      result.passed ? 'yes' : 'NO',
    ]),
  );
}

/** The real clients' side of the realistic steps: receipts, their fan-out, typing, churn. */
export function receiptsTable(results: MessagingStepResult[]): string {
  return markdownTable(
    [
      'scenario',
      'target',
      'offered/s',
      'deliv p50',
      'deliv p99',
      'live deliv p99',
      'by sync',
      'delivered cmds',
      'read cmds',
      'rcpt ack p50',
      'rcpt ack p99',
      'delivered ack p99',
      'read ack p99',
      'fan-out lag p50',
      'lag p99',
      'receipt:update / msg',
      'covered by msg',
      'uncovered',
      'observer offline',
      'no ack (socket dropped)',
      'typing sent/recv',
      'disconnects',
      'errors',
    ],
    results.flatMap(({ receipts, ...result }) =>
      receipts
        ? [
            [
              result.workload ?? result.scenario,
              result.target,
              formatInt(result.rate),
              formatMs(result.delivery.p50),
              formatMs(result.delivery.p99),
              result.liveDelivery ? formatMs(result.liveDelivery.p99) : '-',
              String(result.deliveredBySync ?? 0),
              String(receipts.deliveredSent),
              String(receipts.readSent),
              formatMs(receipts.receiptAck.p50),
              formatMs(receipts.receiptAck.p99),
              formatMs(receipts.deliveredAck.p99),
              formatMs(receipts.readAck.p99),
              formatMs(receipts.fanOutLag.p50),
              formatMs(receipts.fanOutLag.p99),
              receipts.receiptUpdatesPerMessage.toFixed(1),
              String(receipts.coveredByMessage),
              String(receipts.uncovered),
              String(receipts.observerOffline),
              `${receipts.unanswered} (${receipts.droppedWithSocket})`,
              `${receipts.typingSent}/${receipts.typingReceived}`,
              String(receipts.disconnects),
              errorsText(receipts.errors),
            ],
          ]
        : [],
    ),
  );
}

export function connectionsTable(results: ConnectionStepResult[]): string {
  return markdownTable(
    [
      'target',
      'nodes',
      'sockets',
      'connected',
      'handshake p50',
      'p99',
      'max',
      'offered/s',
      'connects/s',
      'rss MiB',
      'KiB/conn',
      'node cpu %',
      'gen cpu %',
      'box %',
      'errors',
      'ok',
    ],
    results.map((result) => [
      result.target,
      String(result.nodes),
      formatInt(result.sockets),
      formatInt(result.connected),
      formatMs(result.handshake.p50),
      formatMs(result.handshake.p99),
      formatMs(result.handshake.max),
      formatInt(result.connectRateOffered),
      formatInt(result.connectRatePerSec),
      mib(result.rssBytes),
      (result.rssPerConnectionBytes / 1024).toFixed(1),
      percents(result.resources.nodeCpuPercent),
      result.resources.generatorCpuPercent.toFixed(0),
      result.resources.machineBusyPercent.toFixed(0),
      errorsText(result.errors),
      result.passed ? 'yes' : 'NO',
    ]),
  );
}

export function stormTable(results: StormResult[]): string {
  return markdownTable(
    [
      'target',
      'nodes',
      'clients',
      'on restarted node',
      'signal',
      'node stopped s',
      'node up s',
      'back 99% s',
      'synced 99% s',
      'synced 100% s',
      'msg/s',
      'sent',
      'acked',
      'resent',
      'errors',
      'by sync',
      'deliv p99',
      'max',
      'lost',
      'dup',
      'db miss',
      'ok',
    ],
    results.map((result) => [
      result.target,
      String(result.nodes),
      formatInt(result.clients),
      formatInt(result.affected),
      result.signal,
      seconds(result.stopSec),
      seconds(result.restartSec),
      seconds(result.back99Sec),
      seconds(result.synced99Sec),
      seconds(result.synced100Sec),
      String(result.rate),
      String(result.sent),
      String(result.acked),
      String(result.resent),
      errorsText(result.errors),
      String(result.deliveredBySync),
      formatMs(result.delivery.p99),
      formatMs(result.delivery.max),
      String(result.lostDeliveries),
      String(result.duplicates),
      optional(result.dbMissing),
      result.passed ? 'yes' : 'NO',
    ]),
  );
}

interface SummaryRow {
  scenario: string;
  metric: string;
  parley?: number;
  ceiling?: number;
  /** Every step passed: the value is the preset's highest step, not a limit that was found. */
  parleyCapped?: boolean;
  ceilingCapped?: boolean;
  format: (value: number) => string;
  target: string;
  met?: (value: number) => boolean;
}

/** The highest passing step, or undefined if the first one failed. */
function bestPassing<T extends { passed: boolean }>(steps: T[]): T | undefined {
  let best: T | undefined;
  for (const step of steps) if (step.passed) best = step;
  return best;
}

/** Every step passed, so the limit lies above the last one. */
const allPassed = (steps: { passed: boolean }[]) =>
  steps.length > 0 && steps.every((step) => step.passed);

/** Items by `key`, groups in the order their first item came. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Parley's and the ceiling's steps of one group: whether each ran, its best step, all passed. */
function sides<T extends { target: string; passed: boolean }>(steps: T[]) {
  const parleySteps = steps.filter((step) => step.target === 'parley');
  const ceilingSteps = steps.filter((step) => step.target === 'baseline');
  return {
    parley: bestPassing(parleySteps),
    ceiling: bestPassing(ceilingSteps),
    hasParley: parleySteps.length > 0,
    hasCeiling: ceilingSteps.length > 0,
    parleyCapped: allPassed(parleySteps),
    ceilingCapped: allPassed(ceilingSteps),
  };
}

/** One row per scenario and metric: Parley beside the ceiling, their ratio, and the target. */
export function summaryTable(results: Results): string {
  const rows: SummaryRow[] = [];
  const groups = groupBy(
    results.messaging,
    (result) =>
      `${result.scenario}|${result.workload ?? result.scenario}|${result.nodes}|` +
      `${result.redis === true ? ' + redis' : ''}`,
  );
  for (const [key, steps] of groups) {
    const [scenario, workload, nodes, redis] = key.split('|') as [string, string, string, string];
    const label = `${workload} (${nodes} node${nodes === '1' ? '' : 's'}${redis})`;
    const { parley, ceiling, hasParley, hasCeiling, parleyCapped, ceilingCapped } = sides(steps);
    const targetRate = scenario === 'group' ? 200 : 1000;
    // The targets: direct p99 < 100 ms, group p99 < 50 ms.
    const slo = scenario === 'group' ? 50 : 100;
    rows.push({
      scenario: label,
      metric: `max msg/s with delivery p99 <= ${slo} ms, nothing lost`,
      parley: hasParley ? (parley?.rate ?? 0) : undefined,
      ceiling: hasCeiling ? (ceiling?.rate ?? 0) : undefined,
      parleyCapped,
      ceilingCapped,
      format: formatInt,
      target: `>= ${formatInt(targetRate)}`,
      met: (value) => value >= targetRate,
    });
    rows.push({
      scenario: label,
      metric: 'deliveries/s at that rate',
      parley: parley?.deliveriesPerSec,
      ceiling: ceiling?.deliveriesPerSec,
      format: formatInt,
      target: scenario === 'group' ? '>= 9,800' : '',
      met: scenario === 'group' ? (value) => value >= 9_800 : undefined,
    });
    const churn = steps.some((step) => step.liveDelivery);
    rows.push({
      scenario: label,
      metric: `delivery p99 ms at that rate${churn ? ' (live; users churn)' : ''}`,
      parley: (parley?.liveDelivery ?? parley?.delivery)?.p99,
      ceiling: (ceiling?.liveDelivery ?? ceiling?.delivery)?.p99,
      format: formatMs,
      target: `< ${slo}`,
      met: (value) => value < slo,
    });
    if (steps.some((step) => step.receipts)) {
      rows.push({
        scenario: label,
        metric: 'receipt command ack p99 ms at that rate',
        parley: parley?.receipts?.receiptAck.p99,
        ceiling: ceiling?.receipts?.receiptAck.p99,
        format: formatMs,
        target: '< 50',
        met: (value) => value < 50,
      });
      rows.push({
        scenario: label,
        metric: 'receipt:update events received per message (coalescing shrinks it)',
        parley: parley?.receipts?.receiptUpdatesPerMessage,
        ceiling: ceiling?.receipts?.receiptUpdatesPerMessage,
        format: (value) => value.toFixed(1),
        target: '',
      });
    }
  }
  const connectionGroups = groupBy(
    results.connections,
    (result) => `${result.nodes} nodes, ${formatInt(result.connectRateOffered)} connects/s offered`,
  );
  for (const [key, connections] of connectionGroups) {
    const { parley, ceiling, hasParley, hasCeiling, parleyCapped, ceilingCapped } =
      sides(connections);
    const label = `connections (${key})`;
    rows.push({
      scenario: label,
      metric: 'idle sockets held (no errors, handshake p99 <= 1 s)',
      parley: hasParley ? (parley?.sockets ?? 0) : undefined,
      ceiling: hasCeiling ? (ceiling?.sockets ?? 0) : undefined,
      parleyCapped,
      ceilingCapped,
      format: formatInt,
      target: '>= 20,000',
      met: (value) => value >= 20_000,
    });
    rows.push({
      scenario: label,
      metric: 'RSS per connection KiB',
      parley: parley && parley.rssPerConnectionBytes / 1024,
      ceiling: ceiling && ceiling.rssPerConnectionBytes / 1024,
      format: (value) => value.toFixed(1),
      target: '< 19.5 (20 KB)',
      met: (value) => value * 1024 < 20_000,
    });
    rows.push({
      scenario: label,
      metric: 'connects/s offered and kept up with (handshake p99 <= 1 s)',
      parley: parley?.connectRateOffered,
      ceiling: ceiling?.connectRateOffered,
      format: formatInt,
      target: '>= 1,000',
      met: (value) => value >= 1_000,
    });
  }
  for (const storms of groupBy(results.storms, (storm) => String(storm.nodes)).values()) {
    const parley = storms.find((storm) => storm.target === 'parley');
    const ceiling = storms.find((storm) => storm.target === 'baseline');
    const label = `reconnect-storm (${parley?.clients ?? ceiling?.clients} clients)`;
    rows.push({
      scenario: label,
      metric: '99% back and synced, s after the restart began',
      parley: parley?.synced99Sec,
      ceiling: ceiling?.synced99Sec,
      format: seconds,
      target: '<= 15',
      met: (value) => value <= 15,
    });
    rows.push({
      scenario: label,
      metric: 'lost + duplicated deliveries',
      parley: parley && parley.lostDeliveries + parley.duplicates,
      ceiling: ceiling && ceiling.lostDeliveries + ceiling.duplicates,
      format: formatInt,
      target: '0',
      met: (value) => value === 0,
    });
  }
  return markdownTable(
    ['scenario', 'metric', 'Parley', 'ceiling', 'Parley / ceiling', 'target', 'met'],
    rows.map((row) => {
      const ratio =
        row.parley !== undefined &&
        row.ceiling !== undefined &&
        row.ceiling !== 0 &&
        !(row.parleyCapped && row.ceilingCapped)
          ? `${row.ceilingCapped && !row.parleyCapped ? '<= ' : ''}${(row.parley / row.ceiling).toFixed(2)}`
          : '-';
      const show = (value: number | undefined, capped?: boolean) =>
        value === undefined || !Number.isFinite(value)
          ? '-'
          : `${capped ? '>= ' : ''}${row.format(value)}`;
      return [
        row.scenario,
        row.metric,
        show(row.parley, row.parleyCapped),
        show(row.ceiling, row.ceilingCapped),
        ratio,
        row.target,
        row.parley === undefined || !row.met || !Number.isFinite(row.parley)
          ? '-'
          : row.met(row.parley)
            ? 'yes'
            : 'NO',
      ];
    }),
  );
}

export function printReport(results: Results, log: (line: string) => void): void {
  if (results.connections.length > 0) {
    log('\n## connections\n');
    log(connectionsTable(results.connections));
  }
  if (results.messaging.length > 0) {
    log('\n## messaging steps (latencies in ms, from the scheduled send time)\n');
    log(messagingTable(results.messaging));
  }
  if (results.messaging.some((result) => result.receipts)) {
    log('\n## real clients: receipts, their fan-out, typing, churn (ms; measured window only)\n');
    log(receiptsTable(results.messaging));
  }
  if (results.storms.length > 0) {
    log('\n## reconnect-storm\n');
    log(stormTable(results.storms));
  }
  log('\n## summary: Parley beside the ceiling (bare socket.io + Redis adapter + one INSERT)\n');
  log(summaryTable(results));
}
