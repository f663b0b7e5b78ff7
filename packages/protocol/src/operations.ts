import { z } from 'zod';

/** `GET /health` (contract section 5): 503 with `status: "down"` while PostgreSQL is down. */
export const healthReportSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  db: z.enum(['up', 'down']),
  redis: z.enum(['up', 'down', 'disabled']),
});
export type HealthReport = z.output<typeof healthReportSchema>;
