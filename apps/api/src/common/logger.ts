import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Injection token of the node's pino logger. */
export const LOGGER = Symbol('LOGGER');

// Secrets never reach the logs, whatever a call site passes in.
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  // pino-http logs response headers: a cookie session's refresh token is in Set-Cookie.
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'token',
  '*.token',
];

// Error fields that carry request data: drizzle's bind parameters (password hashes, message
// text), PostgreSQL's `detail` and `where` (the offending key's value, the failing row), the
// body body-parser could not parse.
const ERROR_FIELDS_WITH_DATA = new Set(['params', 'parameters', 'detail', 'where', 'body']);
const MAX_CAUSE_DEPTH = 5;

/**
 * A copy of `error` and its causes without request data. DrizzleQueryError also writes its
 * parameters into its message (`Failed query: <sql>\nparams: <values>`), and so into its stack.
 */
export function withoutRequestData(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > MAX_CAUSE_DEPTH) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const [key, value] of Object.entries(error)) {
    if (!ERROR_FIELDS_WITH_DATA.has(key)) (copy as unknown as Record<string, unknown>)[key] = value;
  }
  const message = 'params' in error ? error.message.split('\nparams: ')[0]! : error.message;
  copy.message = message;
  copy.stack = error.stack?.replace(error.message, message);
  if (error.cause !== undefined) copy.cause = withoutRequestData(error.cause, depth + 1);
  return copy;
}

/** pino's error serializer, fed errors without request data. */
function serializeError(error: unknown): unknown {
  return pino.stdSerializers.err(withoutRequestData(error) as Error);
}

/** The request line of pino-http without the query string (a search is what someone typed). */
export function serializeRequestWithoutQuery(request: { url?: string; query?: unknown }) {
  return { ...request, url: request.url?.split('?')[0], query: undefined };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    destination,
  );
}

/** Routes NestJS's own log lines into the same structured JSON stream. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
