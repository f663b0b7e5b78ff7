import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  messageHistoryQuerySchema,
  type Message,
  readBodySchema,
  type MessageHistoryInput,
  type MessagePage,
  type ReadInput,
  type ReadResult,
} from '@parley/protocol';
import { SeqParamPipe } from '../../common/seq-param.pipe.js';
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
    query: MessageHistoryInput,
  ): Promise<MessagePage> {
    return this.messagesService.history(auth, id, query);
  }

  @Get(':id/messages/:seq')
  message(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
    @Param('seq', new SeqParamPipe()) seq: number,
  ): Promise<Message> {
    return this.messagesService.message(auth, id, seq);
  }

  @Post(':id/read')
  @HttpCode(200)
  read(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
    @Body(new ZodValidationPipe(readBodySchema)) body: ReadInput,
  ): Promise<ReadResult> {
    return this.messagesService.markRead(auth, id, body.seq);
  }
}
