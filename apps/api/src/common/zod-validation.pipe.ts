import type { PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Parses a REST body or query, or a socket event's payload, with its protocol schema; a failure
 * is a `ValidationError` naming the fields (400 over HTTP, VALIDATION in an ack).
 */
export function parseWithSchema<T>(schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(result.error);
  return result.data;
}

/** Parses a body or query with its protocol schema; a failure is a 400 naming the fields. */
export class ZodValidationPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T>) {}

  transform(value: unknown): T {
    return parseWithSchema(this.schema, value);
  }
}
