import type { PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';
import { ValidationError } from './errors.js';

/** Parses a body or query with its protocol schema; a failure is a 400 naming the fields. */
export class ZodValidationPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T>) {}

  transform(value: unknown): T {
    const result = this.schema.safeParse(value);
    if (!result.success) throw ValidationError.fromZod(result.error);
    return result.data;
  }
}
