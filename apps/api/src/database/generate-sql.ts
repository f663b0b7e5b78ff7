import { SetMetadata } from '@nestjs/common';

export const GENERATE_SQL_KEY = 'parley:generate-sql';

/** One rendering of a repository method: the arguments to call it with, a name for variants. */
export interface GenerateSqlExample {
  name?: string;
  params: unknown[];
}

/**
 * Marks a repository method whose SQL `bin/sync-sql.ts` renders into `src/queries/`, once per
 * example (one statement each). The rendered files are what the EXPLAIN script and the bench run,
 * and a spec fails when they no longer match the code.
 */
export const GenerateSql = (...examples: GenerateSqlExample[]) =>
  SetMetadata(GENERATE_SQL_KEY, examples);

/**
 * Stand-in arguments: the rendered SQL depends on their shape, never on their value. Each id has
 * its own value, so the parameter list of a rendered statement shows which $n is which.
 */
export const ExampleValue = {
  CONVERSATION_ID: '00000000-0000-7000-8000-00000000c001',
  USER_ID: '00000000-0000-7000-8000-00000000a001',
  OTHER_USER_ID: '00000000-0000-7000-8000-00000000a002',
  MESSAGE_ID: '00000000-0000-7000-8000-00000000e001',
  CLIENT_MSG_ID: '00000000-0000-7000-8000-00000000d001',
  TIMESTAMP: '2025-06-01T12:00:00.000Z',
  TEXT: 'hello',
} as const;
