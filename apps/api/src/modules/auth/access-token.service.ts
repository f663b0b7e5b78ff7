import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { uuidSchema, type AccessTokenClaims } from '@parley/protocol';
import { UnauthorizedError } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';
import type { AuthContext } from './current-auth.decorator.js';

@Injectable()
export class AccessTokenService {
  constructor(
    private readonly jwtService: JwtService,
    private readonly config: AppConfig,
  ) {}

  sign(auth: AuthContext): Promise<string> {
    return this.jwtService.signAsync(
      { sid: auth.sessionId },
      { subject: auth.userId, expiresIn: this.config.accessTokenTtlSec, algorithm: 'HS256' },
    );
  }

  /** The claims of a valid token that has an `exp` and has not reached it; else UnauthorizedError. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const claims = await this.jwtService.verifyAsync<AccessTokenClaims>(token, {
        algorithms: ['HS256'],
      });
      if (!uuidSchema.safeParse(claims.sub).success || !uuidSchema.safeParse(claims.sid).success) {
        throw new Error('token lacks a valid sub or sid');
      }
      // jsonwebtoken checks `exp` only when present: a token without one would never expire.
      if (typeof claims.exp !== 'number') throw new Error('token lacks exp');
      return claims;
    } catch {
      throw new UnauthorizedError('invalid or expired access token');
    }
  }
}
