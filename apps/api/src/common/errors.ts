import type { ZodError } from 'zod';

/** What went wrong, independent of transport; mapped to HTTP and ack codes in error-mapping.ts. */
export type AppErrorKind =
  'VALIDATION' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED';

export abstract class AppError extends Error {
  abstract readonly kind: AppErrorKind;
}

export class ValidationError extends AppError {
  readonly kind = 'VALIDATION';

  static fromZod(error: ZodError): ValidationError {
    const details = error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    );
    return new ValidationError(details.join('; '));
  }
}

export class UnauthorizedError extends AppError {
  readonly kind = 'UNAUTHORIZED';
}

export class ForbiddenError extends AppError {
  readonly kind = 'FORBIDDEN';
}

/** Unknown, or not visible to the caller: the two are deliberately indistinguishable. */
export class NotFoundError extends AppError {
  readonly kind = 'NOT_FOUND';
}

/** The one answer for a conversation that does not exist or that the caller may not see. */
export class ConversationNotFoundError extends NotFoundError {
  constructor() {
    super('conversation not found');
  }
}

/** An unknown seq in a conversation the caller may see. */
export class MessageNotFoundError extends NotFoundError {
  constructor() {
    super('message not found');
  }
}

export class ConflictError extends AppError {
  readonly kind = 'CONFLICT';
}

export class RateLimitedError extends AppError {
  readonly kind = 'RATE_LIMITED';

  constructor(readonly retryAfterMs: number) {
    super('too many requests, retry later');
  }
}
