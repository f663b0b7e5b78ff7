import type { Redis } from 'ioredis';

type SendCommand = Redis['sendCommand'];

/**
 * Makes `client` write the commands of one event-loop turn to Redis together: the first command
 * corks the connection, an immediate uncorks it after the turn's I/O callbacks have run, so the
 * rate-limit checks of every socket event read in that turn and the publishes of a send batch
 * leave in one write. Under load the write per command cost the node more CPU than anything
 * it does itself (issue 11: `writev` was a quarter of the node's CPU time). Replies still come
 * one per command, in order; a command waits at most the rest of the turn.
 *
 * (ioredis's own `enableAutoPipelining` also batches, but keeps one batch in flight at a time:
 * under the realistic bench that queued acks for seconds.)
 */
export function coalesceWrites(client: Redis): void {
  const sendCommand = client.sendCommand.bind(client) as SendCommand;
  let corked: Redis['stream'] | undefined;
  const uncork = () => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  client.sendCommand = ((command, stream) => {
    // A command for a pipeline (`stream`) is written by the pipeline, which writes at once.
    const connection = client.stream;
    if (!corked && client.status === 'ready' && connection && !stream) {
      connection.cork();
      corked = connection;
      setImmediate(uncork);
    }
    return sendCommand(command, stream);
  }) as SendCommand;
}
