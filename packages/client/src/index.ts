export { ParleyClient } from './parley-client.js';
export type { ParleyClientEvents, ParleyClientOptions, SendOptions } from './parley-client.js';
export type { ConnectionStatus } from './connection.js';
export { mergeConversationUpdate } from './conversation-update.js';
export { latestMessageState } from './message-state.js';
export { ParleyApiError, ParleyHttpClient } from './http-client.js';
export type {
  ConversationPageQuery,
  MessageHistoryQuery,
  ParleyHttpClientOptions,
} from './http-client.js';
export { isSessionRejected } from './session.js';
export { ParleySocketError } from './socket-error.js';
export type { ParleySocketErrorCode } from './socket-error.js';
export { isFinalSendError } from './outbox.js';
export type { OutboxEntry } from './outbox.js';
export type { SyncCursor } from './message-ledger.js';
export type { BackoffOptions } from './backoff.js';
