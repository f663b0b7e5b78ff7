import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { toHttpError } from './error-mapping.js';

/** Answers every failed HTTP request in the contract's error shape. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, headers } = toHttpError(exception);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    response.status(status).set(headers).json(body);
  }
}
