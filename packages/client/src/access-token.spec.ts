import { describe, expect, it } from 'vitest';
import { decodeAccessToken, refreshDelayMs } from './access-token.js';

function unsignedToken(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

describe('decodeAccessToken', () => {
  it('reads the claims of a base64url payload', () => {
    // '?>' encodes to base64url characters '-' and '_' that plain atob rejects.
    const claims = { sub: 'user-1', sid: 'session-1', iat: 10, exp: 20, note: '?>?>' };
    expect(decodeAccessToken(unsignedToken(claims))).toEqual(claims);
  });

  it.each(['', 'not-a-jwt', 'a.%%%.c', `a.${btoa('[1]')}x.c`, `a.${btoa('42')}.c`])(
    'answers null for %j',
    (token) => {
      expect(decodeAccessToken(token)).toBeNull();
    },
  );
});

describe('refreshDelayMs', () => {
  const now = 1_000_000_000_000;
  const nowSec = now / 1000;

  // A fresh token may have been issued up to a second after its (whole-second) iat: one second
  // of its lifetime is not counted on.
  it('refreshes a fresh 15-minute token the leeway before it expires', () => {
    const claims = { iat: nowSec, exp: nowSec + 900 };
    expect(refreshDelayMs(claims, { now, issuedJustNow: true, leewayMs: 30_000 })).toBe(869_000);
  });

  it('keeps at most a fifth of a short lifetime in reserve', () => {
    const claims = { iat: nowSec, exp: nowSec + 2 };
    expect(refreshDelayMs(claims, { now, issuedJustNow: true, leewayMs: 30_000 })).toBe(600);
  });

  it('times a fresh token by its lifetime, whatever the client clock says', () => {
    const serverAheadByAnHour = { iat: nowSec + 3600, exp: nowSec + 3600 + 900 };
    expect(
      refreshDelayMs(serverAheadByAnHour, { now, issuedJustNow: true, leewayMs: 30_000 }),
    ).toBe(869_000);
  });

  it('times a stored token by the clock, and refreshes an expired one at once', () => {
    const halfSpent = { iat: nowSec - 450, exp: nowSec + 450 };
    expect(refreshDelayMs(halfSpent, { now, issuedJustNow: false, leewayMs: 30_000 })).toBe(
      420_000,
    );
    const expired = { iat: nowSec - 1000, exp: nowSec - 100 };
    expect(refreshDelayMs(expired, { now, issuedJustNow: false, leewayMs: 30_000 })).toBe(0);
  });

  it('answers null without exp', () => {
    expect(refreshDelayMs({ iat: nowSec }, { now, issuedJustNow: true, leewayMs: 30_000 })).toBe(
      null,
    );
  });
});
