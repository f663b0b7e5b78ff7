import { z } from 'zod';

const envSchema = z.object({
  /** Base URL of the Parley API; unset: the page's own origin (served by the API, or Vite's proxy). */
  VITE_API_URL: z.url().optional(),
});

export interface Env {
  apiBaseUrl: string;
}

/** Parses the build-time environment; throws one error that lists every bad variable. */
export function parseEnv(source: Record<string, unknown>, origin: string): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`Invalid environment:\n${problems.join('\n')}`);
  }
  return { apiBaseUrl: parsed.data.VITE_API_URL ?? origin };
}
