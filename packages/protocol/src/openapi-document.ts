import type { z } from 'zod';
import {
  REFRESH_COOKIE_NAME,
  authTokenResponseSchema,
  tokenResponseSchema,
  userSchema,
} from './auth.js';
import { httpErrorBodySchema } from './common.js';
import {
  conversationMemberSchema,
  conversationPageSchema,
  conversationSchema,
  messagePageSchema,
  messageSchema,
  readResultSchema,
} from './conversations.js';
import { JsonSchemaCatalog, type JsonSchema } from './json-schema-catalog.js';
import { healthReportSchema } from './operations.js';
import { privacySettingsSchema } from './privacy.js';
import { restRoutes, type ErrorStatus, type RestRoute, type RouteAuth } from './rest-routes.js';

const SCHEMAS = '#/components/schemas/';

/** The answers' named shapes: each is one component that every route refers to. */
const ANSWER_SCHEMAS: Record<string, z.ZodType> = {
  User: userSchema,
  TokenResponse: tokenResponseSchema,
  AuthTokenResponse: authTokenResponseSchema,
  PrivacySettings: privacySettingsSchema,
  Message: messageSchema,
  ConversationMember: conversationMemberSchema,
  Conversation: conversationSchema,
  ConversationPage: conversationPageSchema,
  MessagePage: messagePageSchema,
  ReadResult: readResultSchema,
  HealthReport: healthReportSchema,
  HttpErrorBody: httpErrorBodySchema,
};

/** Each error status as a reusable response (components/responses), in the contract's words. */
const ERROR_RESPONSES: Record<ErrorStatus, [name: string, description: string]> = {
  400: ['BadRequest', 'Invalid input: the message names the fields (contract section 1).'],
  401: ['Unauthorized', 'Missing, invalid or expired token.'],
  403: ['Forbidden', 'Authenticated but not allowed (e.g. a member who is not an admin).'],
  404: ['NotFound', 'Unknown, or not visible to the caller: the two look the same.'],
  409: ['Conflict', 'Conflict (e.g. a username that is taken, a member who is one already).'],
  413: ['PayloadTooLarge', 'The request body is larger than 64 KiB.'],
  429: ['TooManyRequests', 'Rate limited: retry after `Retry-After` seconds.'],
  503: ['ServiceUnavailable', 'The database is unreachable: retry later.'],
};

const SECURITY: Record<RouteAuth, Record<string, string[]>[]> = {
  public: [],
  accessToken: [{ accessToken: [] }],
  // The refresh token is in the body, or (no security requirement met) in the session cookie.
  refreshToken: [{}, { refreshCookie: [] }],
};

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  tags: { name: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

/**
 * The OpenAPI 3.1 description of every REST route of {@link restRoutes}, generated from the
 * protocol's zod schemas: request shapes as a client may send them (`io: "input"`), answers as
 * the server sends them (`io: "output"`).
 */
export function buildOpenApiDocument(): OpenApiDocument {
  const requests = new JsonSchemaCatalog('input', SCHEMAS);
  const answers = new JsonSchemaCatalog('output', SCHEMAS);
  for (const [name, schema] of Object.entries(ANSWER_SCHEMAS)) answers.name(name, schema);

  const paths: OpenApiDocument['paths'] = {};
  for (const route of restRoutes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route, requests, answers);
  }
  const requestSchemas = requests.emit();
  const answerSchemas = answers.emit();
  for (const name of Object.keys(requestSchemas)) {
    if (name in answerSchemas) throw new Error(`two schemas are named ${name}`);
  }

  return {
    openapi: '3.1.1',
    info: {
      title: 'Parley REST API',
      version: '2',
      description:
        'The REST half of the Parley wire contract (v2); the Socket.IO half is described in ' +
        '`/asyncapi.json`. Errors answer `{statusCode, error, message}`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [...new Set(restRoutes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...requestSchemas, ...answerSchemas },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, [name, description]]) => [
          name,
          errorResponse(Number(status), description),
        ]),
      ),
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token of register, login or refresh (short-lived).',
        },
        refreshCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: REFRESH_COOKIE_NAME,
          description:
            'The refresh token of a cookie session (`session: "cookie"`): HttpOnly, ' +
            'SameSite=Strict, scoped to `/auth`; taken only with a JSON body.',
        },
      },
    },
  };
}

function operation(
  route: RestRoute,
  requests: JsonSchemaCatalog,
  answers: JsonSchemaCatalog,
): Record<string, unknown> {
  const parameters = [
    ...parametersOf(route.pathParams, 'path', requests),
    ...parametersOf(route.query, 'query', requests),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(route.answers)) {
    const headers = answer.setsRefreshCookie
      ? {
          'Set-Cookie': {
            description: `In a cookie session: the \`${REFRESH_COOKIE_NAME}\` cookie.`,
            schema: { type: 'string' },
          },
        }
      : undefined;
    responses[status] = {
      description: answer.description,
      ...(headers && { headers }),
      ...(answer.schema && {
        content: {
          [answer.contentType ?? 'application/json']: { schema: answers.use(answer.schema) },
        },
      }),
    };
  }
  for (const status of route.errors) {
    responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status][0]}` };
  }
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    security: SECURITY[route.auth],
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: requests.name(bodyName(route), route.body) },
        },
      },
    }),
    responses,
  };
}

function parametersOf(
  object: z.ZodObject | undefined,
  location: 'path' | 'query',
  requests: JsonSchemaCatalog,
): Record<string, unknown>[] {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, field]) => {
    const schema = requests.use(field as z.ZodType);
    // zod leaves a transformed field's default out of its input schema; as a query string it is
    // the default's text.
    const absent = (field as z.ZodType).safeParse(undefined);
    if (absent.success && absent.data !== undefined) schema.default = String(absent.data);
    return {
      name,
      in: location,
      required: location === 'path' || !absent.success,
      schema,
    };
  });
}

/** `createConversation` -> `CreateConversationBody`. */
function bodyName(route: RestRoute): string {
  return `${route.operationId[0]!.toUpperCase()}${route.operationId.slice(1)}Body`;
}

function errorResponse(status: number, description: string): Record<string, unknown> {
  return {
    description,
    ...(status === 429 && {
      headers: {
        'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 1 } },
      },
    }),
    content: { 'application/json': { schema: { $ref: `${SCHEMAS}HttpErrorBody` } } },
  };
}
