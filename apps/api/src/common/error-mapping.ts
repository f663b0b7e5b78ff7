import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import type { AckError, HttpErrorBody } from '@parley/protocol';
import { isDatabaseUnavailable } from '../database/postgres-errors.js';
import { AppError, type AppErrorKind } from './errors.js';

const HTTP_STATUS_BY_KIND: Record<AppErrorKind, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

export interface HttpErrorResponse {
  status: number;
  body: HttpErrorBody;
  headers: Record<string, string>;
}

// What body-parser attaches to the errors it raises (bad JSON, too large, bad charset, a body
// that does not inflate): an http-errors client error. `type` is missing on inflate errors.
interface BodyParserError {
  type?: string;
  status: number;
  expose: boolean;
}

function isBodyParserError(error: unknown): error is Error & BodyParserError {
  if (!(error instanceof Error)) return false;
  const { status, expose } = error as Partial<BodyParserError>;
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
}

function bodyParserMessage(error: Error & BodyParserError): string {
  switch (error.type) {
    case 'entity.too.large':
      return 'request body is larger than 64 KiB';
    case 'entity.parse.failed':
      return 'request body is not valid JSON';
    case undefined:
      return 'request body does not match its Content-Encoding';
    default:
      return error.message;
  }
}

function httpBody(status: number, message: string): HttpErrorBody {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

/** The one place an error becomes an HTTP answer in the contract's shape. */
export function toHttpError(error: unknown): HttpErrorResponse {
  if (error instanceof AppError) {
    const status = HTTP_STATUS_BY_KIND[error.kind];
    const headers: Record<string, string> = {};
    if ('retryAfterMs' in error && typeof error.retryAfterMs === 'number') {
      headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    }
    return { status, body: httpBody(status, error.message), headers };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : error.message;
    return { status, body: httpBody(status, message), headers: {} };
  }
  if (isBodyParserError(error)) {
    return {
      status: error.status,
      body: httpBody(error.status, bodyParserMessage(error)),
      headers: {},
    };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, body: httpBody(503, 'database unavailable'), headers: {} };
  }
  return { status: 500, body: httpBody(500, 'internal error'), headers: {} };
}

const ACK_CODE_BY_KIND: Record<AppErrorKind, AckError['code']> = {
  VALIDATION: 'VALIDATION',
  UNAUTHORIZED: 'FORBIDDEN',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'VALIDATION',
  RATE_LIMITED: 'RATE_LIMITED',
};

/** The one place an error becomes a socket ack error. */
export function toAckError(error: unknown): AckError {
  if (error instanceof AppError) {
    const ackError: AckError = { code: ACK_CODE_BY_KIND[error.kind], message: error.message };
    if ('retryAfterMs' in error && typeof error.retryAfterMs === 'number') {
      ackError.retryAfterMs = error.retryAfterMs;
    }
    return ackError;
  }
  if (isDatabaseUnavailable(error)) {
    return { code: 'UNAVAILABLE', message: 'database unavailable, retry later' };
  }
  return { code: 'INTERNAL', message: 'internal error' };
}

/** True for errors that are the server's fault and deserve an error log line. */
export function isUnexpected(error: unknown): boolean {
  return toHttpError(error).status >= 500;
}
