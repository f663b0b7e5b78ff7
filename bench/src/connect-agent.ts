/**
 * A child process of the `connections` scenario that opens and holds idle sockets: one process
 * can hold only as many sockets as its file-descriptor limit allows, so the coordinator spreads
 * them over several agents. Messages over IPC: `open` -> `opened`, `count` -> `counted`, `close`.
 */
import { io, type Socket } from 'socket.io-client';
import { openLoop } from './open-loop.js';

export interface OpenCommand {
  type: 'open';
  items: { url: string; auth: Record<string, unknown>; localAddress?: string }[];
  ratePerSec: number;
  timeoutMs: number;
}
export interface OpenedReport {
  type: 'opened';
  latenciesMs: number[];
  errors: Record<string, number>;
  firstScheduledAt: number;
  lastConnectedAt: number;
}
export type AgentCommand = OpenCommand | { type: 'count' } | { type: 'close' };

const sockets: Socket[] = [];
const send = (message: unknown) => process.send?.(message);

async function open(command: OpenCommand): Promise<void> {
  const latenciesMs: number[] = [];
  const errors: Record<string, number> = {};
  let pending = command.items.length;
  let lastConnectedAt = 0;
  let firstScheduledAt = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  if (pending === 0) resolveAll();
  const answered = () => {
    if (--pending === 0) resolveAll();
  };
  await openLoop({
    rate: command.ratePerSec,
    durationMs: ((command.items.length - 0.5) / command.ratePerSec) * 1000,
    poisson: false,
    fire: (scheduledAt, index) => {
      const item = command.items[index];
      if (!item) return;
      if (index === 0) firstScheduledAt = performance.timeOrigin + scheduledAt;
      const socket = io(item.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: command.timeoutMs,
        auth: item.auth,
        ...(item.localAddress ? { localAddress: item.localAddress } : {}),
      });
      sockets.push(socket);
      socket.once('connect', () => {
        const now = performance.now();
        lastConnectedAt = performance.timeOrigin + now;
        latenciesMs.push(now - scheduledAt);
        answered();
      });
      socket.once('connect_error', (error) => {
        errors[error.message] = (errors[error.message] ?? 0) + 1;
        answered();
      });
    },
  });
  const timeout = setTimeout(resolveAll, command.timeoutMs + 1_000);
  await all;
  clearTimeout(timeout);
  if (pending > 0) errors.TIMEOUT = (errors.TIMEOUT ?? 0) + pending;
  const report: OpenedReport = {
    type: 'opened',
    latenciesMs,
    errors,
    firstScheduledAt,
    lastConnectedAt,
  };
  send(report);
}

process.on('message', (command: AgentCommand) => {
  if (command.type === 'open') void open(command);
  else if (command.type === 'count') {
    send({ type: 'counted', connected: sockets.filter((socket) => socket.connected).length });
  } else {
    for (const socket of sockets) socket.disconnect();
    setTimeout(() => process.exit(0), 200);
  }
});
// The coordinator is gone: do not linger.
process.on('disconnect', () => process.exit(0));
