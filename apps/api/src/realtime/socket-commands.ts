import { Inject, Injectable } from '@nestjs/common';
import type { Ack, ClientToServerEvents } from '@parley/protocol';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import { isUnexpected, toAckError } from '../common/error-mapping.js';
import { ValidationError } from '../common/errors.js';
import { LOGGER } from '../common/logger.js';
import { parseWithSchema } from '../common/zod-validation.pipe.js';
import type { ChatSocket } from './realtime-publisher.js';

type AckReply = (response: Ack<object>) => void;
type ClientEvent = keyof ClientToServerEvents;
/** The fields of a successful ack of `E`, as the contract types its ack callback. */
type AckFields<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[1] extends (
  response: Ack<infer T>,
) => void
  ? T
  : never;

/** One client event: parses its payload and resolves with the fields of its ack. */
export interface SocketCommand<T extends object = object> {
  run(payload: unknown): Promise<T>;
}

/** What a socket answers to each client event of the contract. */
export type SocketCommandTable = { [E in ClientEvent]: SocketCommand<AckFields<E>> };

/**
 * A command whose payload is parsed by its protocol schema before `handle` sees it (the same
 * parse as REST bodies): a payload that does not parse is answered VALIDATION.
 */
export function command<T, R extends object>(
  schema: ZodType<T>,
  handle: (input: T) => Promise<R>,
): SocketCommand<R> {
  return { run: async (payload) => handle(parseWithSchema(schema, payload)) };
}

/**
 * Runs each socket's events one after another, in the order sent (a send and the read that
 * follows it must not overtake each other), and answers each with exactly one ack: the
 * command's fields, or its error mapped once in `common/error-mapping.ts`.
 */
@Injectable()
export class SocketCommandQueues {
  /** The tail of each socket's queue: what shutdown waits for. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  /** Answers `socket`'s events with `commands` until it disconnects. */
  serve(socket: ChatSocket, commands: SocketCommandTable): void {
    let tail: Promise<void> = Promise.resolve();
    const enqueue = (event: string, reply: AckReply, run: () => Promise<object>) => {
      tail = tail.then(async () => {
        try {
          reply({ ok: true, ...(await run()) });
        } catch (error) {
          if (isUnexpected(error)) this.logger.error({ err: error, event }, 'socket event failed');
          reply({ ok: false, error: toAckError(error) });
        }
      });
      this.tails.set(socket.id, tail);
    };
    for (const [event, command] of Object.entries(commands) as [ClientEvent, SocketCommand][]) {
      socket.on(event, (...args: unknown[]) => {
        const reply: AckReply =
          typeof args.at(-1) === 'function' ? (args.pop() as AckReply) : () => undefined;
        const payload = args[0];
        enqueue(event, reply, () => command.run(payload));
      });
    }
    // An event the contract does not define still gets its one answer, in order: VALIDATION.
    // Socket.IO calls catch-all listeners at once but event listeners on the next tick: queue
    // on the next tick too, behind the events that came before.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const reply = args.at(-1);
      const known = typeof event === 'string' && Object.hasOwn(commands, event);
      if (known || typeof reply !== 'function') return;
      process.nextTick(() =>
        enqueue('unknown', reply as AckReply, () =>
          Promise.reject(new ValidationError('unknown event')),
        ),
      );
    });
    socket.on('disconnect', () => this.tails.delete(socket.id));
  }

  /** Resolves once every event queued so far has been answered. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.tails.values());
  }
}
