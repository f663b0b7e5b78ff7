import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { PresenceNotifierModule } from '../../realtime/presence-notifier.module.js';
import { PrivacyModule } from '../privacy/privacy.module.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';

@Module({
  imports: [AccessModule, PresenceNotifierModule, PrivacyModule],
  controllers: [ConversationsController],
  providers: [ConversationsRepository, ConversationsService],
  exports: [ConversationsService],
})
export class ConversationsModule {}
