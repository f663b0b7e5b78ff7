import type { Redis } from 'ioredis';
import type { Writable } from 'node:stream';

/**
 * Writes of one event-loop turn, one syscall per connection: a connection written to is corked
 * until an immediate after the turn's I/O callbacks, then uncorked with the others. Under load
 * the syscall per write cost the node more CPU than anything it does itself (issue 11: `writev`
 * was the largest self-time entry of its profile, a quarter of its CPU). Order is kept; a write
 * waits at most the rest of the turn.
 */
let corkedThisTurn = new Set<Writable>();

function uncorkAll(): void {
  const streams = corkedThisTurn;
  corkedThisTurn = new Set();
  for (const stream of streams) stream.uncork();
}

/** Holds `stream`'s writes back until the current event-loop turn ends. */
function corkUntilTurnEnds(stream: Writable): void {
  if (corkedThisTurn.has(stream)) return;
  stream.cork();
  if (corkedThisTurn.size === 0) setImmediate(uncorkAll);
  corkedThisTurn.add(stream);
}

type SendCommand = Redis['sendCommand'];

/**
 * Makes `client` write the commands of one turn to Redis together: the rate-limit checks of
 * every socket event read in that turn and the publishes of a send batch leave in one write.
 * Replies still come one per command, in order. (ioredis's own `enableAutoPipelining` batches
 * too, but keeps one batch in flight at a time: under the realistic bench acks queued for
 * seconds.)
 */
export function coalesceRedisWrites(client: Redis): void {
  const sendCommand = client.sendCommand.bind(client) as SendCommand;
  client.sendCommand = ((command, stream) => {
    // A command for a pipeline (`stream`) is written by the pipeline, which writes at once.
    if (!stream && client.status === 'ready' && client.stream) corkUntilTurnEnds(client.stream);
    return sendCommand(command, stream);
  }) as SendCommand;
}
