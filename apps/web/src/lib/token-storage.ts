import type { TokenPair } from '@parley/protocol';
import { z } from 'zod';

export const TOKENS_KEY = 'parley.tokens';

const tokenPairSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
});

/** The token pair kept from an earlier visit, or null (none, or unreadable). */
export function readStoredTokens(): TokenPair | null {
  try {
    const parsed = tokenPairSchema.safeParse(
      JSON.parse(localStorage.getItem(TOKENS_KEY) ?? 'null'),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Keeps every rotated pair: the refresh token stored before is spent once the SDK refreshed. */
export function storeTokens(tokens: TokenPair | null): void {
  if (tokens) localStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  else localStorage.removeItem(TOKENS_KEY);
}
