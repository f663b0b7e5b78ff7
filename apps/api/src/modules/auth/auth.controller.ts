import { Body, Controller, Header, HttpCode, Ip, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  loginBodySchema,
  logoutBodySchema,
  refreshBodySchema,
  registerBodySchema,
  type AuthTokenResponse,
  type LoginInput,
  type LogoutInput,
  type RefreshInput,
  type RegisterInput,
  type TokenPair,
  type TokenResponse,
} from '@parley/protocol';
import type { Request, Response } from 'express';
import { ValidationError } from '../../common/errors.js';
import { ZodValidationPipe } from '../../common/zod-validation.pipe.js';
import { AppConfig } from '../../config/app-config.js';
import { RateLimitPerIp } from '../../rate-limit/rate-limit.guard.js';
import { AUTH_RATE_LIMITER } from '../../rate-limit/rate-limit.module.js';
import { AuthService } from './auth.service.js';
import { Public } from './current-auth.decorator.js';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refresh-token-cookie.js';

/**
 * The auth routes in their two forms: the refresh token in the JSON body (SDK and third-party
 * clients), or with `session: "cookie"` in an HttpOnly cookie the page's script never sees (the
 * web app). Token answers are never cached.
 */
@Public()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly authService: AuthService,
    private readonly config: AppConfig,
  ) {}

  @Post('register')
  @Header('Cache-Control', 'no-store')
  @UseGuards(RateLimitPerIp(AUTH_RATE_LIMITER))
  async register(
    @Body(new ZodValidationPipe(registerBodySchema)) body: RegisterInput,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthTokenResponse> {
    const answer = await this.authService.register(body);
    return this.deliver(answer, body.session === 'cookie', request, response);
  }

  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(RateLimitPerIp(AUTH_RATE_LIMITER))
  async login(
    @Body(new ZodValidationPipe(loginBodySchema)) body: LoginInput,
    @Ip() clientAddress: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthTokenResponse> {
    const answer = await this.authService.login(body, clientAddress);
    return this.deliver(answer, body.session === 'cookie', request, response);
  }

  /** A refresh from the cookie answers in cookie mode: the rotated token replaces the cookie. */
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(RateLimitPerIp(AUTH_RATE_LIMITER))
  async refresh(
    @Body(new ZodValidationPipe(refreshBodySchema)) body: RefreshInput,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TokenResponse> {
    const fromCookie = body.refreshToken === undefined;
    const tokens = await this.authService.refresh(body.refreshToken ?? this.cookieToken(request));
    return this.deliver(tokens, fromCookie || body.session === 'cookie', request, response);
  }

  @Post('logout')
  @HttpCode(204)
  async logout(
    @Body(new ZodValidationPipe(logoutBodySchema)) body: LogoutInput,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    const hadCookie = readRefreshCookie(request) !== undefined;
    await this.authService.logout(body.refreshToken ?? this.cookieToken(request));
    if (hadCookie) clearRefreshCookie(request, response);
  }

  /**
   * The session cookie's token. Only a JSON request may spend it: a cross-origin page can send
   * JSON only after a CORS preflight this API refuses, so a forged form post cannot.
   */
  private cookieToken(request: Request): string {
    const token = readRefreshCookie(request);
    if (token === undefined) throw new ValidationError('refreshToken: required');
    if (!request.is('application/json')) {
      throw new ValidationError('the session cookie is only taken with a JSON body');
    }
    if (token.length > 512) throw new ValidationError('refreshToken: too long');
    return token;
  }

  /** In cookie mode the refresh token goes into the cookie and out of the JSON answer. */
  private deliver<Answer extends TokenPair>(
    answer: Answer,
    cookieMode: boolean,
    request: Request,
    response: Response,
  ): Answer | Omit<Answer, 'refreshToken'> {
    if (!cookieMode) return answer;
    const { refreshToken, ...rest } = answer;
    setRefreshCookie(request, response, refreshToken, this.config.refreshTokenTtlSec);
    return rest;
  }
}
