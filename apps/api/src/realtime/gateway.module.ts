import { Module } from '@nestjs/common';
import { AuthModule } from '../modules/auth/auth.module.js';
import { ConversationsModule } from '../modules/conversations/conversations.module.js';
import { MessagesModule } from '../modules/messages/messages.module.js';
import { PrivacyModule } from '../modules/privacy/privacy.module.js';
import { ChatGateway } from './chat.gateway.js';
import { SocketCommandQueues } from './socket-commands.js';
import { SocketContextRepository } from './socket-context.repository.js';

@Module({
  imports: [AuthModule, ConversationsModule, MessagesModule, PrivacyModule],
  providers: [ChatGateway, SocketCommandQueues, SocketContextRepository],
})
export class GatewayModule {}
