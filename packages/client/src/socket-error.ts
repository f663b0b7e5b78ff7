import type { AckErrorCode } from '@parley/protocol';

/**
 * Why a socket command failed: an ack error code of the contract, or one the client adds:
 * `TIMEOUT` (no ack within the ack timeout), `DISCONNECTED` (the connection dropped before the
 * ack), `CANCELLED` (the app cancelled a queued message), `CLOSED` (the client was closed or the
 * session ended).
 */
export type ParleySocketErrorCode =
  AckErrorCode | 'TIMEOUT' | 'DISCONNECTED' | 'CANCELLED' | 'CLOSED';

/**
 * A failed socket command.
 * @example
 * try {
 *   await client.markRead(conversationId, 42);
 * } catch (error) {
 *   if (error instanceof ParleySocketError && error.code === 'NOT_FOUND') leaveConversationView();
 * }
 */
export class ParleySocketError extends Error {
  constructor(
    readonly code: ParleySocketErrorCode,
    message: string,
    /** With `RATE_LIMITED`: how long the server asks the client to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ParleySocketError';
  }
}
