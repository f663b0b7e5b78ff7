import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { userSearchQuerySchema, type User, type UserSearchInput } from '@parley/protocol';
import { ZodValidationPipe } from '../../common/zod-validation.pipe.js';
import { RateLimitPerUser } from '../../rate-limit/rate-limit.guard.js';
import { USER_SEARCH_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import { CurrentAuth, type AuthContext } from '../auth/current-auth.decorator.js';
import { UsersService } from './users.service.js';

@Controller('users')
export class UsersController {
  constructor(private readonly usersService: UsersService) {}

  @Get('me')
  me(@CurrentAuth() auth: AuthContext): Promise<User> {
    return this.usersService.getMe(auth);
  }

  @Get()
  @UseGuards(RateLimitPerUser(USER_SEARCH_RATE_LIMITER))
  search(
    @CurrentAuth() auth: AuthContext,
    @Query(new ZodValidationPipe(userSearchQuerySchema))
    query: UserSearchInput,
  ): Promise<User[]> {
    return this.usersService.search(auth, query);
  }
}
