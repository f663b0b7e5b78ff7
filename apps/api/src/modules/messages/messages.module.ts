import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { ConversationsModule } from '../conversations/conversations.module.js';
import { PrivacyModule } from '../privacy/privacy.module.js';
import { MessagesController } from './messages.controller.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { SendBatcher } from './send-batcher.js';
import { UnreadRepository } from './unread.repository.js';
import { WatermarkBatcher } from './watermark-batcher.js';

@Module({
  imports: [AccessModule, ConversationsModule, PrivacyModule],
  controllers: [MessagesController],
  providers: [MessagesRepository, UnreadRepository, SendBatcher, WatermarkBatcher, MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
