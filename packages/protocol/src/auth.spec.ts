import { describe, expect, it } from 'vitest';
import {
  loginBodySchema,
  logoutBodySchema,
  refreshBodySchema,
  registerBodySchema,
} from './auth.js';

describe('registerBodySchema', () => {
  it('folds the username to lower case', () => {
    const sut = registerBodySchema.parse({ username: 'Alice.B-1_', password: 'password1' });
    expect(sut.username).toBe('alice.b-1_');
  });

  it.each(['ab', 'a'.repeat(33), 'has space', 'émile', 'a/b'])(
    'rejects username %j',
    (username) => {
      expect(registerBodySchema.safeParse({ username, password: 'password1' }).success).toBe(false);
    },
  );

  it('requires 8-200 password characters', () => {
    expect(registerBodySchema.safeParse({ username: 'alice', password: 'short' }).success).toBe(
      false,
    );
    expect(
      registerBodySchema.safeParse({ username: 'alice', password: 'p'.repeat(201) }).success,
    ).toBe(false);
  });
});

describe('cookie sessions (contract v2 section 2)', () => {
  it('accept session "cookie" on register, login and refresh, and nothing else', () => {
    const credentials = { username: 'alice', password: 'password1' };
    expect(registerBodySchema.parse({ ...credentials, session: 'cookie' }).session).toBe('cookie');
    expect(loginBodySchema.parse({ ...credentials, session: 'cookie' }).session).toBe('cookie');
    expect(refreshBodySchema.parse({ session: 'cookie' })).toEqual({ session: 'cookie' });
    for (const session of ['tokens', '', 1, null]) {
      expect(loginBodySchema.safeParse({ ...credentials, session }).success).toBe(false);
      expect(refreshBodySchema.safeParse({ session }).success).toBe(false);
    }
  });

  it('let refresh and logout leave the token out (the cookie has it); the body form is unchanged', () => {
    expect(refreshBodySchema.parse({})).toEqual({});
    expect(logoutBodySchema.parse({})).toEqual({});
    expect(refreshBodySchema.parse({ refreshToken: 'abc' })).toEqual({ refreshToken: 'abc' });
    expect(logoutBodySchema.parse({ refreshToken: 'abc' })).toEqual({ refreshToken: 'abc' });
    for (const refreshToken of ['', 'a'.repeat(513), 5]) {
      expect(refreshBodySchema.safeParse({ refreshToken }).success).toBe(false);
      expect(logoutBodySchema.safeParse({ refreshToken }).success).toBe(false);
    }
  });
});

describe('registerBodySchema: reserved names and the password rule', () => {
  it.each(['admin', 'Root', 'support', 'PARLEY', '...', '.....'])('refuses %j', (username) => {
    expect(registerBodySchema.safeParse({ username, password: 'password1' }).success).toBe(false);
  });

  it('keeps names that only contain a reserved word', () => {
    expect(
      registerBodySchema.safeParse({ username: 'admin.b', password: 'password1' }).success,
    ).toBe(true);
  });

  it.each(['alice123', 'ALICE123', '          '])(
    'refuses the password %j for alice123',
    (password) => {
      expect(registerBodySchema.safeParse({ username: 'alice123', password }).success).toBe(false);
    },
  );
});
