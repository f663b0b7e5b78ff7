import { z } from 'zod';
import {
  authTokenResponseSchema,
  loginBodySchema,
  logoutBodySchema,
  refreshBodySchema,
  registerBodySchema,
  tokenResponseSchema,
  userSchema,
} from './auth.js';
import { queryIntegerSchema, seqSchema, uuidSchema } from './common.js';
import {
  addMemberBodySchema,
  conversationListQuerySchema,
  conversationPageSchema,
  conversationSchema,
  createConversationBodySchema,
  messageHistoryQuerySchema,
  messagePageSchema,
  messageSchema,
  readBodySchema,
  readResultSchema,
  renameConversationBodySchema,
} from './conversations.js';
import { healthReportSchema } from './operations.js';
import { privacySettingsPatchSchema, privacySettingsSchema } from './privacy.js';
import { userSearchQuerySchema } from './users.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: anyone; the holder of an access token (`Authorization: Bearer`); or the
 * holder of a refresh token, in the body or in the cookie session's cookie.
 */
export type RouteAuth = 'public' | 'accessToken' | 'refreshToken';

/** The error statuses a route answers with the contract's error body (section 1). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 503;

export interface RouteAnswer {
  description: string;
  /** Absent for an answer without a body (204). */
  schema?: z.ZodType;
  /** @default 'application/json' */
  contentType?: string;
  /** The answer sets (or clears) the refresh cookie when the request asked for a cookie session. */
  setsRefreshCookie?: boolean;
}

export interface RestRoute {
  method: HttpMethod;
  /** OpenAPI's form: `/conversations/{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  auth: RouteAuth;
  /** Path ids that are not UUIDs answer 404 like any unknown id, never 400. */
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  answers: Partial<Record<200 | 201 | 204 | 503, RouteAnswer>>;
  errors: ErrorStatus[];
}

/** The documentation routes take no input: any query parameter is a 400. */
export const documentQuerySchema = z.strictObject({});

const conversationPath = z.object({ id: uuidSchema });
const memberPath = z.object({ id: uuidSchema, userId: uuidSchema });
const messagePath = z.object({ id: uuidSchema, seq: queryIntegerSchema.pipe(seqSchema.min(1)) });

// What every route with a JSON body may answer: a body that is not JSON or breaks the schema,
// one over 64 KiB, and a database that is down.
const BODY_ERRORS: ErrorStatus[] = [400, 413, 503];
// An authenticated route: a missing, invalid or expired token, a per-user rate limit, and a
// database that is down.
const SIGNED_IN_ERRORS: ErrorStatus[] = [401, 429, 503];

/**
 * Every REST route of the API, in the contract's words: the OpenAPI description is generated
 * from this table and the API's e2e suite fails when the server's routes and this table differ.
 * Request and answer shapes are the protocol's own zod schemas.
 */
export const restRoutes: RestRoute[] = [
  {
    method: 'post',
    path: '/auth/register',
    operationId: 'register',
    tag: 'auth',
    summary:
      'Creates an account. With `session: "cookie"` the refresh token goes into an HttpOnly ' +
      'cookie scoped to `/auth` instead of the answer.',
    auth: 'public',
    body: registerBodySchema,
    answers: {
      201: { description: 'Registered', schema: authTokenResponseSchema, setsRefreshCookie: true },
    },
    errors: [...BODY_ERRORS, 409, 429],
  },
  {
    method: 'post',
    path: '/auth/login',
    operationId: 'login',
    tag: 'auth',
    summary: 'Signs in; `session: "cookie"` as for register.',
    auth: 'public',
    body: loginBodySchema,
    answers: {
      200: { description: 'Signed in', schema: authTokenResponseSchema, setsRefreshCookie: true },
    },
    errors: [...BODY_ERRORS, 401, 429],
  },
  {
    method: 'post',
    path: '/auth/refresh',
    operationId: 'refresh',
    tag: 'auth',
    summary:
      'Rotates the refresh token (from the body, or without one from the session cookie) and ' +
      'issues a new access token. Reusing a spent refresh token ends its whole session.',
    auth: 'refreshToken',
    body: refreshBodySchema,
    answers: {
      200: { description: 'Rotated', schema: tokenResponseSchema, setsRefreshCookie: true },
    },
    errors: [...BODY_ERRORS, 401, 429],
  },
  {
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    tag: 'auth',
    summary: 'Ends the session of the refresh token (from the body or the session cookie).',
    auth: 'refreshToken',
    body: logoutBodySchema,
    answers: { 204: { description: 'Signed out', setsRefreshCookie: true } },
    errors: BODY_ERRORS,
  },
  {
    method: 'get',
    path: '/users/me',
    operationId: 'getMe',
    tag: 'users',
    summary: 'The caller.',
    auth: 'accessToken',
    answers: { 200: { description: 'The caller', schema: userSchema } },
    errors: SIGNED_IN_ERRORS,
  },
  {
    method: 'get',
    path: '/users',
    operationId: 'searchUsers',
    tag: 'users',
    summary: 'People whose username starts with `search`, to find someone to talk to.',
    auth: 'accessToken',
    query: userSearchQuerySchema,
    answers: { 200: { description: 'Matching users', schema: z.array(userSchema) } },
    errors: [400, ...SIGNED_IN_ERRORS],
  },
  {
    method: 'get',
    path: '/users/me/privacy',
    operationId: 'getPrivacySettings',
    tag: 'privacy',
    summary: "The caller's privacy settings.",
    auth: 'accessToken',
    answers: { 200: { description: 'The settings', schema: privacySettingsSchema } },
    errors: SIGNED_IN_ERRORS,
  },
  {
    method: 'patch',
    path: '/users/me/privacy',
    operationId: 'updatePrivacySettings',
    tag: 'privacy',
    summary: 'Changes some of the privacy settings.',
    auth: 'accessToken',
    body: privacySettingsPatchSchema,
    answers: { 200: { description: 'The settings now', schema: privacySettingsSchema } },
    errors: [...BODY_ERRORS, ...SIGNED_IN_ERRORS],
  },
  {
    method: 'get',
    path: '/conversations',
    operationId: 'listConversations',
    tag: 'conversations',
    summary:
      "The caller's conversations, newest activity first; message requests only with " +
      '`requests=true`.',
    auth: 'accessToken',
    query: conversationListQuerySchema,
    answers: { 200: { description: 'One page', schema: conversationPageSchema } },
    errors: [400, ...SIGNED_IN_ERRORS],
  },
  {
    method: 'post',
    path: '/conversations',
    operationId: 'createConversation',
    tag: 'conversations',
    summary:
      'Opens a direct conversation (answering the existing one of the pair with 200) or ' +
      'creates a group whose owner is the caller.',
    auth: 'accessToken',
    body: createConversationBodySchema,
    answers: {
      201: { description: 'Created', schema: conversationSchema },
      200: { description: 'The existing direct conversation', schema: conversationSchema },
    },
    errors: [...BODY_ERRORS, ...SIGNED_IN_ERRORS, 403, 404],
  },
  {
    method: 'get',
    path: '/conversations/{id}',
    operationId: 'getConversation',
    tag: 'conversations',
    summary: 'One conversation; 404 for non-members.',
    auth: 'accessToken',
    pathParams: conversationPath,
    answers: { 200: { description: 'The conversation', schema: conversationSchema } },
    errors: [...SIGNED_IN_ERRORS, 404],
  },
  {
    method: 'patch',
    path: '/conversations/{id}',
    operationId: 'renameConversation',
    tag: 'conversations',
    summary: "Renames a group; its owner's and admins' right.",
    auth: 'accessToken',
    pathParams: conversationPath,
    body: renameConversationBodySchema,
    answers: { 200: { description: 'Renamed', schema: conversationSchema } },
    errors: [...BODY_ERRORS, ...SIGNED_IN_ERRORS, 403, 404],
  },
  {
    method: 'post',
    path: '/conversations/{id}/members',
    operationId: 'addMember',
    tag: 'conversations',
    summary: "Adds a member to a group; its owner's and admins' right.",
    auth: 'accessToken',
    pathParams: conversationPath,
    body: addMemberBodySchema,
    answers: { 201: { description: 'Added', schema: conversationSchema } },
    errors: [...BODY_ERRORS, ...SIGNED_IN_ERRORS, 403, 404, 409],
  },
  {
    method: 'delete',
    path: '/conversations/{id}/members/{userId}',
    operationId: 'removeMember',
    tag: 'conversations',
    summary: 'Removes a member (owner and admins), or the caller themselves (leaving).',
    auth: 'accessToken',
    pathParams: memberPath,
    answers: { 204: { description: 'Removed' } },
    errors: [...SIGNED_IN_ERRORS, 403, 404],
  },
  {
    method: 'post',
    path: '/conversations/{id}/accept',
    operationId: 'acceptRequest',
    tag: 'conversations',
    summary: 'Accepts a message request the caller received.',
    auth: 'accessToken',
    pathParams: conversationPath,
    answers: { 200: { description: 'Accepted', schema: conversationSchema } },
    errors: [...SIGNED_IN_ERRORS, 404],
  },
  {
    method: 'post',
    path: '/conversations/{id}/decline',
    operationId: 'declineRequest',
    tag: 'conversations',
    summary:
      'Hides a message request from the caller for good; the opener is not told. 409 when it ' +
      'is no request.',
    auth: 'accessToken',
    pathParams: conversationPath,
    answers: { 204: { description: 'Declined' } },
    errors: [...SIGNED_IN_ERRORS, 404, 409],
  },
  {
    method: 'get',
    path: '/conversations/{id}/messages',
    operationId: 'listMessages',
    tag: 'messages',
    summary: 'History, ascending by seq: the page before `before` or after `after`.',
    auth: 'accessToken',
    pathParams: conversationPath,
    query: messageHistoryQuerySchema,
    answers: { 200: { description: 'One page', schema: messagePageSchema } },
    errors: [400, ...SIGNED_IN_ERRORS, 404],
  },
  {
    method: 'get',
    path: '/conversations/{id}/messages/{seq}',
    operationId: 'getMessage',
    tag: 'messages',
    summary:
      'One message by its seq (a deleted one as its tombstone), so a client can show a quoted ' +
      'message it does not hold.',
    auth: 'accessToken',
    pathParams: messagePath,
    answers: { 200: { description: 'The message', schema: messageSchema } },
    errors: [...SIGNED_IN_ERRORS, 404],
  },
  {
    method: 'post',
    path: '/conversations/{id}/read',
    operationId: 'markRead',
    tag: 'messages',
    summary: "Moves the caller's read watermark; emits the same events as `message:read`.",
    auth: 'accessToken',
    pathParams: conversationPath,
    body: readBodySchema,
    answers: { 200: { description: 'The watermark now', schema: readResultSchema } },
    errors: [...BODY_ERRORS, ...SIGNED_IN_ERRORS, 404],
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'operations',
    summary: 'Whether this node can serve: its database and, when configured, its Redis.',
    auth: 'public',
    answers: {
      200: {
        description: 'Up (`degraded` while a configured Redis is down)',
        schema: healthReportSchema,
      },
      503: { description: 'PostgreSQL is down', schema: healthReportSchema },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'operations',
    summary: "This node's metrics in Prometheus' text format.",
    auth: 'public',
    answers: {
      200: {
        description: 'Prometheus text',
        schema: z.string(),
        contentType: 'text/plain; version=0.0.4',
      },
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tag: 'documentation',
    summary: 'This description of the REST API (OpenAPI 3.1).',
    auth: 'public',
    query: documentQuerySchema,
    answers: { 200: { description: 'The OpenAPI document', schema: z.looseObject({}) } },
    errors: [400, 429],
  },
  {
    method: 'get',
    path: '/asyncapi.json',
    operationId: 'asyncApiDocument',
    tag: 'documentation',
    summary: 'The description of the Socket.IO events (AsyncAPI 3.0).',
    auth: 'public',
    query: documentQuerySchema,
    answers: { 200: { description: 'The AsyncAPI document', schema: z.looseObject({}) } },
    errors: [400, 429],
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'reference',
    tag: 'documentation',
    summary: 'Both descriptions as one readable page.',
    auth: 'public',
    query: documentQuerySchema,
    answers: { 200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' } },
    errors: [400, 429],
  },
];
