import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseConnection } from '../../src/database/database.js';
import { useTestApp } from '../support/api-context.js';
import { request } from '../support/chat-client.js';
import { uniqueUsername } from '../support/test-app.js';

// A row carrying this marker makes the database fail the insert, as a broken query or a
// violated check constraint would.
const CANARY = 'l4canary';

let lines: string[] = [];

const logged = () => lines.map((line) => JSON.parse(line) as { level: number; msg: string });

const sut = useTestApp(
  { LOG_LEVEL: 'info' },
  { logDestination: { write: (line: string) => lines.push(line) } },
);
const { http, online, registerUser, createDirect } = sut;

beforeAll(async () => {
  const { db } = sut.app.get(DatabaseConnection);
  await db.execute(
    sql.raw(`
      create or replace function parley_test_canary() returns trigger language plpgsql as $$
      begin
        if tg_table_name = 'users' then
          if new.display_name like '${CANARY}%' then
            raise exception 'canary row refused';
          end if;
        elsif new.content like '${CANARY}%' then
          -- As a check constraint does: the failing row, message text included, in DETAIL.
          raise exception 'canary row refused' using detail = 'Failing row contains (' || new.content || ')';
        end if;
        return new;
      end $$`),
  );
  for (const table of ['users', 'messages']) {
    await db.execute(sql.raw(`drop trigger if exists parley_test_canary on ${table}`));
    await db.execute(
      sql.raw(
        `create trigger parley_test_canary before insert on ${table} for each row execute function parley_test_canary()`,
      ),
    );
  }
});

afterAll(async () => {
  const { db } = sut.app.get(DatabaseConnection);
  for (const table of ['users', 'messages']) {
    await db.execute(sql.raw(`drop trigger if exists parley_test_canary on ${table}`));
  }
});

beforeEach(() => {
  lines = [];
});

describe('L4: database errors are logged without bind parameters', () => {
  it('logs a failed REST insert without the password hash, names or display name', async () => {
    const username = uniqueUsername('l4user');
    const displayName = `${CANARY} private display ${randomUUID()}`;
    const response = await http.post('/auth/register', {
      username,
      password: 'a-password-nobody-should-read',
      displayName,
    });
    expect(response.status).toBe(500);

    const errors = logged().filter((entry) => entry.level >= 50);
    expect(errors.map((entry) => entry.msg)).toContain('request failed');
    const output = lines.join('\n');
    // The query itself is still there to debug with.
    expect(output).toMatch(/insert into \\"users\\"/);
    expect(output).not.toContain(displayName);
    expect(output).not.toContain(username);
    expect(output).not.toMatch(/\$argon2|a-password-nobody/);
  });

  it('logs a failed socket send without the message text', async () => {
    const [alice, bob] = await Promise.all([registerUser(), registerUser()]);
    const conversation = await createDirect(alice, bob);
    const client = await online(alice);
    try {
      const content = `${CANARY} the secret plans ${randomUUID()}`;
      const ack = await request(client.socket, 'message:send', {
        conversationId: conversation.id,
        content,
        clientMsgId: randomUUID(),
      });
      expect(ack).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
      const errors = logged().filter((entry) => entry.level >= 50);
      expect(errors.map((entry) => entry.msg)).toContain('socket event failed');
      expect(lines.join('\n')).toContain('canary row refused');
      expect(lines.join('\n')).not.toContain('the secret plans');
    } finally {
      client.socket.close();
    }
  });
});

describe('L3: hostile input is answered 400 with no error line and no payload in the logs', () => {
  function postGarbage(path: string, encoding: string, body: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        new URL(path, sut.baseUrl),
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  it('NUL bytes, bad cursors and undecodable bodies', async () => {
    const alice = await registerUser();
    lines = [];
    const statuses = [
      (await http.post('/auth/login', { username: 'nulsecret\u0000name', password: 'pw-in-log?' }))
        .status,
      (await http.get('/users?search=nulsearch%00secret', alice.accessToken)).status,
      (await http.get('/conversations?before=99999-01-01', alice.accessToken)).status,
      await postGarbage('/auth/login', 'gzip', Buffer.from('gzipsecret not gzip')),
      await postGarbage('/auth/login', 'br', Buffer.from('brsecret not brotli at all')),
    ];
    expect(statuses).toEqual([400, 400, 400, 400, 400]);
    expect(logged().filter((entry) => entry.level > 40)).toEqual([]);
    const output = lines.join('\n');
    expect(output).not.toMatch(/nulsecret|pw-in-log|nulsearch|gzipsecret|brsecret/);
  });
});
