import { Module } from '@nestjs/common';
import { UserSearchRateLimitGuard } from '../../rate-limit/rate-limit.guard.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, UserSearchRateLimitGuard],
  exports: [UsersRepository, UsersService],
})
export class UsersModule {}
