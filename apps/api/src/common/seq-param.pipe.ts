import type { PipeTransform } from '@nestjs/common';
import { queryIntegerSchema, seqSchema } from '@parley/protocol';
import { MessageNotFoundError } from './errors.js';

const messageSeqSchema = queryIntegerSchema.pipe(seqSchema.min(1));

/** A path seq that is not a positive integer names no message: 404, like an unknown seq. */
export class SeqParamPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const parsed = messageSeqSchema.safeParse(value);
    if (!parsed.success) throw new MessageNotFoundError();
    return parsed.data;
  }
}
