import { z } from 'zod';
import { uuidSchema } from './common.js';
import { hasControlCharacter, singleLineTextSchema } from './content.js';

/** 3-32 chars of `a-z 0-9 _ . -`; upper-case input is folded to lower case. */
export const usernameSchema = z
  .string()
  .toLowerCase()
  .regex(/^[a-z0-9_.-]{3,32}$/, 'username must be 3-32 characters of a-z, 0-9, _ . -');

export const passwordSchema = z
  .string()
  .min(8, 'password must be 8-200 characters')
  .max(200, 'password must be 8-200 characters');

export const displayNameSchema = singleLineTextSchema('displayName', 64);

/**
 * `"cookie"`: the refresh token goes into an HttpOnly cookie scoped to `/auth` instead of the
 * JSON answer (contract v2 section 2; the web app's mode).
 */
export const sessionModeSchema = z.literal('cookie');

/**
 * The HttpOnly cookie that holds a cookie session's refresh token, scoped to `/auth`
 * (contract v2 section 2).
 */
export const REFRESH_COOKIE_NAME = 'parley_refresh';

/** Names that would pass for the service or its staff; users who already have one keep it. */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'admin',
  'root',
  'support',
  'parley',
]);

export function isReservedUsername(username: string): boolean {
  return RESERVED_USERNAMES.has(username) || /^\.+$/.test(username);
}

export const registerBodySchema = z
  .object({
    username: usernameSchema.refine(
      (username) => !isReservedUsername(username),
      'username is reserved',
    ),
    password: passwordSchema.refine(
      (password) => password.trim() !== '',
      'password must not be only whitespace',
    ),
    displayName: displayNameSchema.optional(),
    session: sessionModeSchema.optional(),
  })
  .refine((body) => body.password.toLowerCase() !== body.username, {
    message: 'password must not be the username',
    path: ['password'],
  });
export type RegisterBody = z.input<typeof registerBodySchema>;
export type RegisterInput = z.output<typeof registerBodySchema>;

export const loginBodySchema = z.object({
  // Any string is accepted here: a malformed name simply fails like a wrong password.
  username: z
    .string()
    .max(200)
    .toLowerCase()
    .refine((username) => !hasControlCharacter(username), 'must not contain control characters'),
  password: z.string().max(200),
  session: sessionModeSchema.optional(),
});
export type LoginBody = z.input<typeof loginBodySchema>;
export type LoginInput = z.output<typeof loginBodySchema>;

const refreshTokenSchema = z.string().min(1).max(512);

/** Without `refreshToken` the server takes the session cookie's (and answers 400 without one). */
export const refreshBodySchema = z.object({
  refreshToken: refreshTokenSchema.optional(),
  session: sessionModeSchema.optional(),
});
export type RefreshBody = z.input<typeof refreshBodySchema>;
export type RefreshInput = z.output<typeof refreshBodySchema>;

/** Without `refreshToken` the server takes the session cookie's (and answers 400 without one). */
export const logoutBodySchema = z.object({ refreshToken: refreshTokenSchema.optional() });
export type LogoutBody = z.input<typeof logoutBodySchema>;
export type LogoutInput = z.output<typeof logoutBodySchema>;

export const userSchema = z.object({
  id: uuidSchema,
  username: z.string().meta({ description: '3-32 characters of a-z 0-9 _ . -' }),
  displayName: z.string(),
});
export type User = z.output<typeof userSchema>;

const accessTokenSchema = z.string().meta({
  description: 'A JWT (`sub` = user id), short-lived: send it as `Authorization: Bearer`.',
});

export const tokenPairSchema = z.object({
  accessToken: accessTokenSchema,
  refreshToken: z.string(),
});
export type TokenPair = z.output<typeof tokenPairSchema>;

export const authResponseSchema = tokenPairSchema.extend({ user: userSchema });
export type AuthResponse = z.output<typeof authResponseSchema>;

/**
 * A token answer of register, login or refresh in either mode: in cookie mode `refreshToken` is
 * left out (it is in the cookie).
 */
export const tokenResponseSchema = z.object({
  accessToken: accessTokenSchema,
  refreshToken: z.string().optional().meta({
    description: 'Left out in cookie mode: the rotated token is in the `parley_refresh` cookie.',
  }),
});
export type TokenResponse = z.output<typeof tokenResponseSchema>;

/** A register or login answer in either mode (see {@link TokenResponse}). */
export const authTokenResponseSchema = tokenResponseSchema.extend({ user: userSchema });
export type AuthTokenResponse = z.output<typeof authTokenResponseSchema>;

/** Claims of an access token: `sub` is the user id, `sid` the session (refresh-token family). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
}
