import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config.js';
import { RestReadRateLimitGuard } from '../../rate-limit/rate-limit.guard.js';
import { RedisConnection } from '../../redis/redis-connection.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenGuard } from './access-token.guard.js';
import { AccessTokenService } from './access-token.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { LoginThrottle, MemoryLoginThrottle, RedisLoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { SessionRevocations } from './session-revocations.js';

@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      // A key object, not the string: given a string, jsonwebtoken first tries (and fails) to
      // parse it as a public key on every call, a quarter of a node's CPU under many handshakes.
      useFactory: (config: AppConfig) => ({
        secret: createSecretKey(Buffer.from(config.jwtSecret)),
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AccessTokenService,
    PasswordHasher,
    RefreshTokensRepository,
    SessionRevocations,
    {
      provide: LoginThrottle,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection): LoginThrottle =>
        redis.client
          ? new RedisLoginThrottle(redis.client, new MemoryLoginThrottle())
          : new MemoryLoginThrottle(),
    },
    { provide: APP_GUARD, useClass: AccessTokenGuard },
    // After AccessTokenGuard: it keys on the user that guard found.
    { provide: APP_GUARD, useClass: RestReadRateLimitGuard },
  ],
  exports: [AccessTokenService],
})
export class AuthModule {}
