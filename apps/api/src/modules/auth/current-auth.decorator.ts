import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who is calling: the user, and the session (refresh-token family) their token belongs to. */
export interface AuthContext {
  userId: string;
  sessionId: string;
}

export type AuthenticatedRequest = Request & { auth?: AuthContext };

export const IS_PUBLIC_ROUTE = 'parley:public-route';

/** Marks a route that takes no access token. */
export const Public = () => SetMetadata(IS_PUBLIC_ROUTE, true);

/** The caller of an authenticated route, as set by AccessTokenGuard. */
export const CurrentAuth = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthContext => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    return request.auth!;
  },
);
