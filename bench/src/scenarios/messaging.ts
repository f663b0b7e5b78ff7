import { DeliveryLedger, type StepStats } from '../delivery-ledger.js';
import { isRealistic, type ScenarioConfig } from '../options.js';
import { RealClients, type ReceiptSummary } from '../real-clients.js';
import { workloadLabel, type MessagingStepResult } from '../report.js';
import type { ResourceSummary } from '../sampler.js';
import type { Target, World } from '../target.js';
import { formatInt, formatMs } from '../util.js';
import {
  closeAll,
  connectOrThrow,
  deliveryOutcome,
  integrityViolations,
  makeClients,
  prepareWorld,
  runStep,
  usesRedis,
  withTarget,
  type BenchContext,
} from './harness.js';

function messagingResult(
  config: ScenarioConfig,
  target: Target,
  rate: number,
  step: StepStats,
  resources: ResourceSummary,
  unexpected: number,
  context: BenchContext,
  world: World,
  receipts: ReceiptSummary | undefined,
): MessagingStepResult {
  const result: MessagingStepResult = {
    scenario: config.scenario,
    workload: workloadLabel(config),
    target: target.kind,
    nodes: target.urls.length,
    redis: usesRedis(context.options, target.kind, config),
    users: world.users.length,
    conversations: world.conversations.length,
    rate,
    ...deliveryOutcome(step),
    sendLagP99Ms: step.sendLag.summary().p99,
    ackPerSecond: step.ackPerSecond(),
    unexpected,
    ackedPerSec: step.measuredAcked / step.measuredSeconds,
    deliveriesPerSec: step.measuredDelivered / step.measuredSeconds,
    deliveredBySync: step.deliveredBySync,
    liveDelivery:
      config.behaviour.churnPercentPerMin > 0 ? step.liveDeliveryLatency.summary() : undefined,
    resources,
    receipts,
    passed: false,
  };
  const delivery = result.liveDelivery ?? result.delivery;
  result.passed =
    integrityViolations(result) === 0 &&
    step.errors.total === 0 &&
    Number.isFinite(delivery.p99) &&
    delivery.p99 <= config.sloMs &&
    receiptsPassed(config, receipts);
  return result;
}

/** With receipt commands: their ack p99 within `receiptSloMs`, none refused. */
function receiptsPassed(config: ScenarioConfig, receipts: ReceiptSummary | undefined): boolean {
  if (!receipts || receipts.receiptAck.count === 0) return true;
  const refused = Object.keys(receipts.errors).some((key) => !key.startsWith('typing:'));
  return !refused && receipts.receiptAck.p99 <= config.receiptSloMs;
}

/** Why a step ends the stepping: loss (fails the run), refusals, or only latency. */
function verdict(config: ScenarioConfig, result: MessagingStepResult): string {
  if (result.passed) return 'pass';
  if (integrityViolations(result) > 0) return 'LOST OR DUPLICATED';
  if (Object.keys(result.errors).length > 0) return 'errors: step failed';
  if ((result.liveDelivery ?? result.delivery).p99 <= config.sloMs) {
    return 'receipts over their SLO or refused: step failed';
  }
  return 'over the latency SLO: step failed';
}

function describeStep(config: ScenarioConfig, result: MessagingStepResult): string {
  const errors = Object.entries(result.errors)
    .map(([code, count]) => `${code}:${count}`)
    .join(' ');
  return (
    `    ${String(result.rate).padStart(5)} msg/s: ack p99 ${formatMs(result.ack.p99)} ms, ` +
    `delivery p50/p99/max ${formatMs(result.delivery.p50)}/${formatMs(result.delivery.p99)}/` +
    `${formatMs(result.delivery.max)} ms` +
    `${result.liveDelivery ? ` (live p99 ${formatMs(result.liveDelivery.p99)} ms, ${result.deliveredBySync} by sync)` : ''}` +
    `, ${formatInt(result.deliveriesPerSec)} deliveries/s, ` +
    `lost ${result.lostDeliveries}, dup ${result.duplicates}, db missing ${result.dbMissing ?? '?'}` +
    `${errors ? `, errors ${errors}` : ''}, node cpu ` +
    `${result.resources.nodeCpuPercent.map((cpu) => cpu.toFixed(0)).join('+')}%, gen cpu ` +
    `${result.resources.generatorCpuPercent.toFixed(0)}%, pg cpu ` +
    `${result.resources.postgresCpuPercent.toFixed(0)}%${describeReceipts(result.receipts)} -> ` +
    `${verdict(config, result)}\n` +
    `      ack p99 per second (ms): ${(result.ackPerSecond ?? []).map((second) => formatMs(second.p99)).join(' ')}`
  );
}

function describeReceipts(receipts: ReceiptSummary | undefined): string {
  if (!receipts) return '';
  return (
    `, receipt ack p50/p99 ${formatMs(receipts.receiptAck.p50)}/${formatMs(receipts.receiptAck.p99)} ms` +
    ` (${receipts.deliveredSent} delivered, ${receipts.readSent} read), fan-out lag p50/p99 ` +
    `${formatMs(receipts.fanOutLag.p50)}/${formatMs(receipts.fanOutLag.p99)} ms, ` +
    `${receipts.receiptUpdatesPerMessage.toFixed(1)} receipt:update per message, typing ` +
    `${receipts.typingSent} sent/${receipts.typingReceived} received, ${receipts.disconnects} ` +
    `disconnects`
  );
}

/** direct and group: step the rate up until a step misses the SLO or loses anything. */
export async function runMessaging(context: BenchContext, config: ScenarioConfig): Promise<void> {
  const shape =
    config.scenario === 'direct'
      ? ({ type: 'direct', count: config.conversations } as const)
      : ({ type: 'group', groupSize: config.groupSize, count: config.groups } as const);
  let world: World | undefined;
  const realistic = isRealistic(config.behaviour);
  for (const kind of config.targets) {
    context.log(`${workloadLabel(config)} on ${kind} (${config.nodes} node(s)):`);
    await withTarget(context, kind, config, async (target) => {
      world = await prepareWorld(context, target, config, shape, world);
      const ledger = new DeliveryLedger();
      const clients = makeClients(
        target,
        world,
        ledger,
        world.users.length * config.socketsPerUser,
        false,
        realistic,
      );
      const userIds = world.users.map((user) => user.id);
      const realClients = realistic
        ? new RealClients(config.behaviour, ledger, clients, userIds)
        : undefined;
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
            undefined,
            async () => realClients?.stopChurn(),
            (step) => realClients?.startStep(step.measureStart, step.measureEnd),
          );
          await realClients?.settle(config.drainSec * 1000);
          const measuredMessages = step.records.filter((record) => record.measured).length;
          const result = messagingResult(
            config,
            target,
            rate,
            step,
            resources,
            ledger.unexpected - unexpectedBefore,
            context,
            world,
            realClients?.finishStep(measuredMessages),
          );
          ledger.forget(step);
          context.results.messaging.push(result);
          context.log(describeStep(config, result));
          if (!result.passed) break;
        }
      } finally {
        realClients?.close();
        closeAll(clients);
      }
    });
  }
}
