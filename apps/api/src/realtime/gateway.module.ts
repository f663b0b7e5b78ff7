import { Module } from '@nestjs/common';
import { AuthModule } from '../modules/auth/auth.module.js';
import { ConversationsModule } from '../modules/conversations/conversations.module.js';
import { MessagesModule } from '../modules/messages/messages.module.js';
import { ChatGateway } from './chat.gateway.js';
import { PresenceNotifierModule } from './presence-notifier.module.js';
import { SocketCommandQueues } from './socket-commands.js';

/**
 * The Socket.IO edge. Apart from the global `RealtimeModule`, which the feature services use:
 * the gateway uses the feature services, so one module for both would be a cycle.
 */
@Module({
  imports: [AuthModule, ConversationsModule, MessagesModule, PresenceNotifierModule],
  providers: [ChatGateway, SocketCommandQueues],
})
export class GatewayModule {}
