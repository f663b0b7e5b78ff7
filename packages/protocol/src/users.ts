import { z } from 'zod';
import { queryIntegerSchema } from './common.js';
import { hasControlCharacter } from './content.js';

/** Shortest search prefix: a shorter one would list most of the directory. */
export const USER_SEARCH_MIN_LENGTH = 2;
/** Most people one search answers; a larger `limit` (v1 allowed 50) is served this many. */
export const USER_SEARCH_MAX_RESULTS = 20;

export const userSearchQuerySchema = z.object({
  search: z
    .string()
    .trim()
    .min(USER_SEARCH_MIN_LENGTH, `search must be ${USER_SEARCH_MIN_LENGTH}-64 characters`)
    .max(64, `search must be ${USER_SEARCH_MIN_LENGTH}-64 characters`)
    .toLowerCase()
    .refine((search) => !hasControlCharacter(search), 'search must not contain control characters'),
  limit: queryIntegerSchema
    .pipe(z.number().min(1).max(50))
    .default(USER_SEARCH_MAX_RESULTS)
    .transform((limit) => Math.min(limit, USER_SEARCH_MAX_RESULTS)),
});
export type UserSearchQuery = z.input<typeof userSearchQuerySchema>;
export type UserSearchInput = z.output<typeof userSearchQuerySchema>;
