import { DrizzleQueryError } from 'drizzle-orm/errors';
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

describe('createLogger error serializer', () => {
  it('drops bind parameters from drizzle errors and values from PostgreSQL details', () => {
    const lines: string[] = [];
    const sut = createLogger('info', { write: (line: string) => lines.push(line) });
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (username)=(secret-name) already exists.',
      where: 'row (secret-row)',
    });
    const query = 'insert into "users" ("username", "password_hash") values ($1, $2)';
    const params = ['secret-name', '$argon2id$secret-hash'];
    const queryError = new DrizzleQueryError(query, params, driverError);

    sut.error({ err: queryError }, 'request failed');

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/secret-/);
    const { err } = JSON.parse(lines[0]!) as {
      err: { type: string; message: string; stack: string };
    };
    expect(err.type).toBe('DrizzleQueryError');
    expect(err.message).toContain(query);
    expect(err.message).toContain('duplicate key value violates unique constraint');
    expect(err.stack).toMatch(/^Error: Failed query: .*\n\s+at /s);
  });
});
