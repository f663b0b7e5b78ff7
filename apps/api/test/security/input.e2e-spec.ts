import { request as httpRequest } from 'node:http';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/api-context.js';
import { createGroup, registerUser, type Session } from '../support/chat-client.js';
import {
  expectContractError,
  httpClient,
  startTestApp,
  uniqueUsername,
} from '../support/test-app.js';

const password = 'correct horse battery';

const sut = useTestApp();
const { http } = sut;
let alice: Session;

beforeAll(async () => {
  alice = await registerUser(http);
});

/** Posts raw bytes with a Content-Encoding, as fetch cannot send a body it did not encode. */
function postEncoded(
  path: string,
  body: Buffer,
  encoding: string,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, sut.baseUrl);
    const outgoing = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-encoding': encoding,
          'content-length': body.length,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('L3: hostile bytes answer 400, never 500', () => {
  it('refuses a NUL byte in the login name', async () => {
    expectContractError(await http.post('/auth/login', { username: 'ali\u0000ce', password }), 400);
  });

  it('refuses a NUL byte in a user search', async () => {
    expectContractError(await http.get('/users?search=al%00ice', alice.accessToken), 400);
  });

  it.each(['99999-01-01', '0000-01-01', '+275760-09-13', '-000001-01-01', '275760-09-13'])(
    'refuses the out-of-range conversation cursor %s',
    async (before) => {
      expectContractError(
        await http.get(`/conversations?before=${encodeURIComponent(before)}`, alice.accessToken),
        400,
      );
    },
  );

  it('still accepts a cursor it returned', async () => {
    const response = await http.get(
      '/conversations?before=2020-01-01T00:00:00.000Z',
      alice.accessToken,
    );
    expect(response.status).toBe(200);
  });

  it.each([
    ['gzip', Buffer.from('this is not gzip at all')],
    ['gzip', gzipSync('{"username":"x","password":"y"}').subarray(0, 20)],
    ['br', Buffer.from('this is not brotli at all, no sir')],
    ['deflate', Buffer.from('not deflate')],
  ])('refuses a %s body that does not decode', async (encoding, body) => {
    expectContractError(await postEncoded('/auth/login', body, encoding), 400);
  });

  it('still decodes a well-formed gzip or br body', async () => {
    const body = JSON.stringify({ username: 'nobody_here', password });
    for (const [encoding, encoded] of [
      ['gzip', gzipSync(body)],
      ['br', brotliCompressSync(body)],
    ] as const) {
      expect((await postEncoded('/auth/login', encoded, encoding)).status).toBe(401);
    }
  });
});

describe('L2: user search', () => {
  it.each(['', 'a', ' b '])('needs a prefix of at least 2 characters (%j)', async (search) => {
    expectContractError(
      await http.get(`/users?search=${encodeURIComponent(search)}`, alice.accessToken),
      400,
    );
    expectContractError(await http.get('/users', alice.accessToken), 400);
  });

  it('answers at most 20 people a page, whatever the limit asked', async () => {
    const prefix = `pg${uniqueUsername('').slice(1, 9)}`;
    await Promise.all(
      Array.from({ length: 25 }, (_, index) =>
        http.post('/auth/register', { username: `${prefix}_${index}`, password }),
      ),
    );
    const response = await http.get(`/users?search=${prefix}&limit=50`, alice.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(20);
  });

  it('is rate limited per user with 429 and Retry-After', async () => {
    const limited = await startTestApp({ USER_SEARCH_PER_MIN: '3' });
    try {
      const limitedHttp = httpClient(limited.baseUrl);
      const searcher = await registerUser(limitedHttp);
      const other = await registerUser(limitedHttp);
      const statuses = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        statuses.push((await limitedHttp.get('/users?search=zz', searcher.accessToken)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limitedHttp.get('/users?search=zz', searcher.accessToken);
      expectContractError(refused, 429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another user has a bucket of their own.
      expect((await limitedHttp.get('/users?search=zz', other.accessToken)).status).toBe(200);
    } finally {
      await limited.close();
    }
    // Starts a node of its own: time for an embedded database's migrations on a busy machine.
  }, 60_000);
});

describe('L5: bidi controls, zero-width and other invisible characters', () => {
  const hostile = [
    ['RIGHT-TO-LEFT OVERRIDE', 'evil\u202Egnp.exe'],
    ['LEFT-TO-RIGHT EMBEDDING', 'a\u202Ab'],
    ['RIGHT-TO-LEFT ISOLATE', 'a\u2067b'],
    ['POP DIRECTIONAL ISOLATE', 'a\u2069b'],
    ['LEFT-TO-RIGHT MARK', 'a\u200Eb'],
    ['RIGHT-TO-LEFT MARK', 'a\u200Fb'],
    ['ARABIC LETTER MARK', 'a\u061Cb'],
    ['ZERO WIDTH SPACE', 'ad\u200Bmin'],
    ['ZERO WIDTH JOINER', 'a\u200Db'],
    ['WORD JOINER', 'a\u2060b'],
    ['BYTE ORDER MARK', 'a\uFEFFb'],
    ['SOFT HYPHEN', 'a\u00ADb'],
    ['TAG LATIN CAPITAL LETTER A', 'a\u{E0041}b'],
    ['HANGUL FILLER', '\u3164'],
    ['HALFWIDTH HANGUL FILLER', 'a\uFFA0b'],
    ['COMBINING GRAPHEME JOINER', 'a\u034Fb'],
  ];

  it.each(hostile)('refuses a %s in a display name at register', async (_, displayName) => {
    const response = await http.post('/auth/register', {
      username: uniqueUsername(),
      password,
      displayName,
    });
    expectContractError(response, 400);
    expect(response.body.message).toMatch(/displayName/);
  });

  it.each(hostile)('refuses a %s in a username', async (_, name) => {
    expectContractError(
      await http.post('/auth/register', { username: `${name}${uniqueUsername('')}`, password }),
      400,
    );
  });

  it.each(hostile)('refuses a %s in a group name, on create and rename', async (_, name) => {
    const bob = await registerUser(http);
    const created = await http.post(
      '/conversations',
      { type: 'group', name, memberIds: [bob.user.id] },
      alice.accessToken,
    );
    expectContractError(created, 400);
    expect(created.body.message).toMatch(/name/);
    const group = await createGroup(http, alice, [bob]);
    const renamed = await http.request('PATCH', `/conversations/${group.id}`, {
      body: { name },
      token: alice.accessToken,
    });
    expectContractError(renamed, 400);
  });

  it('keeps ordinary right-to-left names', async () => {
    const response = await http.post('/auth/register', {
      username: uniqueUsername(),
      password,
      displayName: 'مرحبا שלום',
    });
    expect(response.status).toBe(201);
  });
});

describe('register: password rule and reserved names', () => {
  it.each([(username: string) => username, (username: string) => username.toUpperCase()])(
    'refuses a password equal to the username',
    async (passwordOf) => {
      const username = `pw_${uniqueUsername('').slice(1, 12)}`;
      const response = await http.post('/auth/register', {
        username,
        password: passwordOf(username),
      });
      expectContractError(response, 400);
      expect(response.body.message).toMatch(/password/);
    },
  );

  it('refuses a password of only whitespace', async () => {
    const response = await http.post('/auth/register', {
      username: uniqueUsername(),
      password: ' \t        ',
    });
    expectContractError(response, 400);
    expect(response.body.message).toMatch(/password/);
  });

  it.each(['admin', 'ROOT', 'support', 'parley', '...', '....'])(
    'refuses the reserved username %j',
    async (username) => {
      const response = await http.post('/auth/register', { username, password });
      expectContractError(response, 400);
      expect(response.body.message).toMatch(/username/);
    },
  );

  it('still lets names that merely contain a reserved word register', async () => {
    const response = await http.post('/auth/register', {
      username: `admin_${uniqueUsername('').slice(1, 12)}`,
      password,
    });
    expect(response.status).toBe(201);
  });
});
