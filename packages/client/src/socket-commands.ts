import type { Ack, ClientToServerEvents, ServerToClientEvents } from '@parley/protocol';
import type { Socket } from 'socket.io-client';
import { ParleySocketError } from './socket-error.js';

export type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type CommandName = keyof ClientToServerEvents;
export type CommandPayload<Command extends CommandName> = Parameters<
  ClientToServerEvents[Command]
>[0];
type CommandAck<Command extends CommandName> = Parameters<
  ClientToServerEvents[Command]
>[1] extends (response: infer Response) => void
  ? Response
  : never;
/** The positive ack of a command, e.g. `{ ok: true, message }` for `message:send`. */
export type CommandResult<Command extends CommandName> = Extract<CommandAck<Command>, { ok: true }>;

/** Emits a command with the ack timeout; resolves with a positive ack, throws otherwise. */
export type SocketCommand = <Command extends CommandName>(
  event: Command,
  payload: CommandPayload<Command>,
) => Promise<CommandResult<Command>>;

/**
 * The typed request/response layer over `socket`: every failure becomes a ParleySocketError
 * (the ack's error code, `TIMEOUT` after `ackTimeoutMs`, `DISCONNECTED`, or `INTERNAL` for an
 * answer that is no ack).
 */
export function socketCommand(socket: ParleySocket, ackTimeoutMs: number): SocketCommand {
  return async <Command extends CommandName>(
    event: Command,
    payload: CommandPayload<Command>,
  ): Promise<CommandResult<Command>> => {
    // socket.io would buffer it and send it after a reconnect, long after the caller gave up
    // (a stale "typing", a send the outbox already retries): refuse it now instead.
    if (!socket.connected) {
      throw new ParleySocketError('DISCONNECTED', `Not connected: ${event} was not sent`);
    }
    // emitWithAck's typings cannot follow a generic event name; the types above keep it typed.
    const emitWithAck = socket.timeout(ackTimeoutMs).emitWithAck as (
      event: Command,
      payload: CommandPayload<Command>,
    ) => Promise<Ack | undefined>;
    let ack: Ack | undefined;
    try {
      ack = await emitWithAck.call(socket, event, payload);
    } catch (error) {
      const timedOut = error instanceof Error && error.message === 'operation has timed out';
      throw timedOut
        ? new ParleySocketError('TIMEOUT', `No answer to ${event} within ${ackTimeoutMs} ms`)
        : new ParleySocketError('DISCONNECTED', `Disconnected before the answer to ${event}`);
    }
    if (ack?.ok === true) return ack as CommandResult<Command>;
    if (ack?.ok === false) {
      throw new ParleySocketError(ack.error.code, ack.error.message, ack.error.retryAfterMs);
    }
    throw new ParleySocketError('INTERNAL', `Malformed answer to ${event}`);
  };
}
