import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AgentCommand, OpenedReport } from '../connect-agent.js';
import type { ScenarioConfig } from '../options.js';
import type { ConnectionStepResult } from '../report.js';
import { ResourceSampler, scrapeNode } from '../sampler.js';
import type { Teardown } from '../stack.js';
import { Counter, LatencyHistogram } from '../stats.js';
import type { World } from '../target.js';
import { formatInt, formatMs, sleep } from '../util.js';
import { prepareWorld, withTarget, type BenchContext } from './harness.js';

const agentScript = fileURLToPath(new URL('../connect-agent.js', import.meta.url));
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
