import { DeliveryLedger } from '../delivery-ledger.js';
import type { LoadClient } from '../load-client.js';
import type { ScenarioConfig } from '../options.js';
import type { StormResult } from '../report.js';
import { Counter } from '../stats.js';
import type { World } from '../target.js';
import { sleep } from '../util.js';
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
      world = await prepareWorld(context, target, config, { type: 'direct', count: 0 }, world);
      const ledger = new DeliveryLedger();
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
          ...deliveryOutcome(step),
          resent: step.resent,
          syncFailures: { ...syncFailures.counts },
          deliveredBySync: step.deliveredBySync,
          syncOverlaps: step.syncOverlaps,
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
