import { DeliveryLedger, type StepStats } from '../delivery-ledger.js';
import type { ScenarioConfig } from '../options.js';
import type { MessagingStepResult } from '../report.js';
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
): MessagingStepResult {
  const result: MessagingStepResult = {
    scenario: config.scenario,
    target: target.kind,
    nodes: target.urls.length,
    rate,
    ...deliveryOutcome(step),
    sendLagP99Ms: step.sendLag.summary().p99,
    ackPerSecond: step.ackPerSecond(),
    unexpected,
    ackedPerSec: step.measuredAcked / step.measuredSeconds,
    deliveriesPerSec: step.measuredDelivered / step.measuredSeconds,
    resources,
    passed: false,
  };
  result.passed =
    integrityViolations(result) === 0 &&
    step.errors.total === 0 &&
    Number.isFinite(result.delivery.p99) &&
    result.delivery.p99 <= config.sloMs;
  return result;
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
    `${result.resources.postgresCpuPercent.toFixed(0)}% -> ${verdict(result)}\n` +
    `      ack p99 per second (ms): ${(result.ackPerSecond ?? []).map((second) => formatMs(second.p99)).join(' ')}`
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
      const ledger = new DeliveryLedger();
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
