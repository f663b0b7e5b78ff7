import type { PipeTransform } from '@nestjs/common';
import { uuidSchema } from '@parley/protocol';
import { NotFoundError } from './errors.js';

/** A path id that is not a UUID names nothing that exists: 404, like any unknown id. */
export class UuidParamPipe implements PipeTransform<string, string> {
  constructor(private readonly resource: string) {}

  transform(value: string): string {
    const parsed = uuidSchema.safeParse(value);
    if (!parsed.success) throw new NotFoundError(`${this.resource} not found`);
    return parsed.data;
  }
}
