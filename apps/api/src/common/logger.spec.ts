import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('never writes passwords or tokens', () => {
    const lines: string[] = [];
    const sut = createLogger('info', { write: (line: string) => lines.push(line) });

    sut.info(
      {
        req: { headers: { authorization: 'Bearer secret-access-token' } },
        body: { password: 'secret-password', refreshToken: 'secret-refresh-token' },
        accessToken: 'secret-access-token',
      },
      'request',
    );

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/secret-/);
    expect(lines[0]).toContain('[redacted]');
  });

  it('never writes the session cookie, asked for or set', () => {
    const lines: string[] = [];
    const sut = createLogger('info', { write: (line: string) => lines.push(line) });

    sut.info(
      {
        req: { headers: { cookie: 'parley_refresh=secret-refresh-token' } },
        res: { headers: { 'set-cookie': ['parley_refresh=secret-rotated-token; Path=/auth'] } },
      },
      'request completed',
    );

    expect(lines[0]).not.toMatch(/secret-/);
  });
});
