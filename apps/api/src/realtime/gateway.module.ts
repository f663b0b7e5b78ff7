import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConversationsModule } from '../conversations/conversations.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { PrivacyModule } from '../privacy/privacy.module.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';

@Module({
  imports: [AuthModule, ConversationsModule, MessagesModule, PrivacyModule],
  providers: [ChatGateway, ChatRepository],
})
export class ChatModule {}
