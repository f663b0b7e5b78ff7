import { Module } from '@nestjs/common';
import { AccessModule } from '../modules/access/access.module.js';
import { AuthModule } from '../modules/auth/auth.module.js';
import { MessagesModule } from '../modules/messages/messages.module.js';
import { ChatGateway } from './chat.gateway.js';
import { PresenceNotifierModule } from './presence-notifier.module.js';
import { SocketCommandQueues } from './socket-commands.js';

/**
 * The Socket.IO edge. Apart from the global `RealtimeModule`, which the feature services use:
 * the gateway uses the feature services, so one module for both would be a cycle.
 */
@Module({
  imports: [AccessModule, AuthModule, MessagesModule, PresenceNotifierModule],
  providers: [ChatGateway, SocketCommandQueues],
})
export class GatewayModule {}
