export * from './common.js';
export * from './content.js';
export * from './auth.js';
export * from './users.js';
export * from './privacy.js';
export * from './conversations.js';
export * from './socket.js';
export * from './unread.js';
