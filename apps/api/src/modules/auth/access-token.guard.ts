import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthorizedError } from '../../common/errors.js';
import { AccessTokenService } from './access-token.service.js';
import { bearerToken } from './bearer-token.js';
import { IS_PUBLIC_ROUTE, type AuthenticatedRequest } from './current-auth.decorator.js';
import { SessionRevocations } from './session-revocations.js';

/**
 * Global guard: every HTTP route needs `Authorization: Bearer <accessToken>` unless @Public,
 * and the token's session must not have ended (logout, refresh-token reuse).
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokenService: AccessTokenService,
    private readonly sessionRevocations: SessionRevocations,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken({ authorization: request.headers.authorization });
    if (!token) throw new UnauthorizedError('missing bearer token');
    const claims = await this.accessTokenService.verify(token);
    if (await this.sessionRevocations.isRevoked(claims.sid)) {
      throw new UnauthorizedError('session ended');
    }
    request.auth = { userId: claims.sub, sessionId: claims.sid };
    return true;
  }
}
