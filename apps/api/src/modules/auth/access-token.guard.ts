import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthorizedError } from '../../common/errors.js';
import { AccessTokenService } from './access-token.service.js';
import { IS_PUBLIC_ROUTE, type AuthenticatedRequest } from './current-auth.decorator.js';

/** Global guard: every HTTP route needs `Authorization: Bearer <accessToken>` unless @Public. */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokenService: AccessTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new UnauthorizedError('missing bearer token');
    }
    const claims = await this.accessTokenService.verify(token);
    request.auth = { userId: claims.sub, sessionId: claims.sid };
    return true;
  }
}
