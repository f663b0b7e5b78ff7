import { z } from 'zod';
import { queryIntegerSchema } from './common.js';

export const userSearchQuerySchema = z.object({
  search: z.string().max(64).toLowerCase().default(''),
  limit: queryIntegerSchema.pipe(z.number().min(1).max(50)).default(20),
});
export type UserSearchQuery = z.input<typeof userSearchQuerySchema>;
