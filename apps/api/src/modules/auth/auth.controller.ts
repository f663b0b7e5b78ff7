import { Body, Controller, HttpCode, Ip, Post, UseGuards } from '@nestjs/common';
import {
  loginBodySchema,
  logoutBodySchema,
  refreshBodySchema,
  registerBodySchema,
  type AuthResponse,
  type TokenPair,
} from '@parley/protocol';
import type { z } from 'zod';
import { ZodValidationPipe } from '../../common/zod-validation.pipe.js';
import { AuthRateLimitGuard } from './auth-rate-limit.guard.js';
import { AuthService } from './auth.service.js';
import { Public } from './current-auth.decorator.js';

@Public()
@Controller('auth')
export class AuthController {
  constructor(private readonly authService: AuthService) {}

  @Post('register')
  @UseGuards(AuthRateLimitGuard)
  register(
    @Body(new ZodValidationPipe(registerBodySchema)) body: z.output<typeof registerBodySchema>,
  ): Promise<AuthResponse> {
    return this.authService.register(body);
  }

  @Post('login')
  @HttpCode(200)
  @UseGuards(AuthRateLimitGuard)
  login(
    @Body(new ZodValidationPipe(loginBodySchema)) body: z.output<typeof loginBodySchema>,
    @Ip() clientAddress: string,
  ): Promise<AuthResponse> {
    return this.authService.login(body, clientAddress);
  }

  @Post('refresh')
  @HttpCode(200)
  @UseGuards(AuthRateLimitGuard)
  refresh(
    @Body(new ZodValidationPipe(refreshBodySchema)) body: z.output<typeof refreshBodySchema>,
  ): Promise<TokenPair> {
    return this.authService.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  logout(
    @Body(new ZodValidationPipe(logoutBodySchema)) body: z.output<typeof logoutBodySchema>,
  ): Promise<void> {
    return this.authService.logout(body.refreshToken);
  }
}
