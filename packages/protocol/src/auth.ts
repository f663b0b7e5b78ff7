import { z } from 'zod';
import { singleLineTextSchema } from './content.js';

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

export const registerBodySchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  displayName: displayNameSchema.optional(),
});
export type RegisterBody = z.input<typeof registerBodySchema>;

export const loginBodySchema = z.object({
  // Any string is accepted here: a malformed name simply fails like a wrong password.
  username: z.string().max(200).toLowerCase(),
  password: z.string().max(200),
});
export type LoginBody = z.input<typeof loginBodySchema>;

export const refreshBodySchema = z.object({ refreshToken: z.string().min(1).max(512) });
export type RefreshBody = z.input<typeof refreshBodySchema>;

export const logoutBodySchema = refreshBodySchema;
export type LogoutBody = RefreshBody;

export interface User {
  id: string;
  username: string;
  displayName: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface AuthResponse extends TokenPair {
  user: User;
}

/** Claims of an access token: `sub` is the user id, `sid` the session (refresh-token family). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
}
