import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  messageHistoryQuerySchema,
  readBodySchema,
  type MessagePage,
  type ReadResult,
} from '@parley/protocol';
import type { z } from 'zod';
import { UuidParamPipe } from '../../common/uuid-param.pipe.js';
import { ZodValidationPipe } from '../../common/zod-validation.pipe.js';
import { CurrentAuth, type AuthContext } from '../auth/current-auth.decorator.js';
import { MessagesService } from './messages.service.js';

const conversationIdPipe = new UuidParamPipe('conversation');

@Controller('conversations')
export class MessagesController {
  constructor(private readonly messagesService: MessagesService) {}

  @Get(':id/messages')
  history(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
    @Query(new ZodValidationPipe(messageHistoryQuerySchema))
    query: z.output<typeof messageHistoryQuerySchema>,
  ): Promise<MessagePage> {
    return this.messagesService.history(auth.userId, id, query);
  }

  @Post(':id/read')
  @HttpCode(200)
  read(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
    @Body(new ZodValidationPipe(readBodySchema)) body: z.output<typeof readBodySchema>,
  ): Promise<ReadResult> {
    return this.messagesService.markRead(auth.userId, id, body.seq);
  }
}
