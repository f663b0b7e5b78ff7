import { z } from 'zod';

export const userSearchQuerySchema = z.object({
  search: z.string().max(64).toLowerCase().default(''),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type UserSearchQuery = z.input<typeof userSearchQuerySchema>;
