import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  addMemberBodySchema,
  conversationListQuerySchema,
  createConversationBodySchema,
  renameConversationBodySchema,
  type AddMemberInput,
  type Conversation,
  type ConversationListInput,
  type ConversationPage,
  type CreateConversationInput,
  type RenameConversationInput,
} from '@parley/protocol';
import type { Response } from 'express';
import { UuidParamPipe } from '../../common/uuid-param.pipe.js';
import { ZodValidationPipe } from '../../common/zod-validation.pipe.js';
import { RateLimitPerUser } from '../../rate-limit/rate-limit.guard.js';
import { PRIVACY_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import { CurrentAuth, type AuthContext } from '../auth/current-auth.decorator.js';
import { ConversationsService } from './conversations.service.js';

const conversationIdPipe = new UuidParamPipe('conversation');
const userIdPipe = new UuidParamPipe('user');

@Controller('conversations')
export class ConversationsController {
  constructor(private readonly conversationsService: ConversationsService) {}

  @Get()
  list(
    @CurrentAuth() auth: AuthContext,
    @Query(new ZodValidationPipe(conversationListQuerySchema))
    query: ConversationListInput,
  ): Promise<ConversationPage> {
    return this.conversationsService.list(auth, query);
  }

  /** 201 for a new conversation; 200 with the existing direct conversation of the pair. */
  @Post()
  async create(
    @CurrentAuth() auth: AuthContext,
    @Body(new ZodValidationPipe(createConversationBodySchema))
    body: CreateConversationInput,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Conversation> {
    const { conversation, created } = await this.conversationsService.create(auth, body);
    response.status(created ? 201 : 200);
    return conversation;
  }

  @Get(':id')
  get(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
  ): Promise<Conversation> {
    return this.conversationsService.get(auth, id);
  }

  @Patch(':id')
  rename(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
    @Body(new ZodValidationPipe(renameConversationBodySchema))
    body: RenameConversationInput,
  ): Promise<Conversation> {
    return this.conversationsService.rename(auth, id, body.name);
  }

  @Post(':id/members')
  addMember(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
    @Body(new ZodValidationPipe(addMemberBodySchema)) body: AddMemberInput,
  ): Promise<Conversation> {
    return this.conversationsService.addMember(auth, id, body);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  removeMember(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
    @Param('userId', userIdPipe) userId: string,
  ): Promise<void> {
    return this.conversationsService.removeMember(auth, id, userId);
  }

  /** Accepts a message request the caller received (contract section 9). */
  @Post(':id/accept')
  @HttpCode(200)
  @UseGuards(RateLimitPerUser(PRIVACY_RATE_LIMITER))
  accept(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
  ): Promise<Conversation> {
    return this.conversationsService.acceptRequest(auth, id);
  }

  /** Hides a message request from the caller for good. */
  @Post(':id/decline')
  @HttpCode(204)
  @UseGuards(RateLimitPerUser(PRIVACY_RATE_LIMITER))
  decline(
    @CurrentAuth() auth: AuthContext,
    @Param('id', conversationIdPipe) id: string,
  ): Promise<void> {
    return this.conversationsService.declineRequest(auth, id);
  }
}
