import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { PrivacyModule } from '../privacy/privacy.module.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';

@Module({
  imports: [AccessModule, AuthModule, MessagesModule, PrivacyModule],
  providers: [ChatGateway, ChatRepository],
})
export class ChatModule {}
