/**
 * What one `message:send` costs PostgreSQL: runs Parley's send statement (a copy of
 * `MessagesRepository.send`) and the baseline's INSERT a few thousand times each, from
 * `--clients` concurrent connections over `--conversations` conversations, and reports the
 * server-side CPU per statement (from /proc of the backends) and the throughput.
 * Variants: `parley` (unnamed statement, parsed and planned on every call, as the server sends it
 * today), `parley-prepared` (the same text as a named prepared statement), `baseline`.
 *
 *   node bench/dist/send-statement.js [--count 4000] [--clients 8] [--conversations 100]
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BenchDatabase, Teardown } from './stack.js';
import { markdownTable } from './util.js';

const migrationsFolder = fileURLToPath(new URL('../../apps/api/drizzle/', import.meta.url));

// MessagesRepository.send, with drizzle's parameters written as $1..$5.
const PARLEY_SEND = `
  with membership as (
    select request_state, has_sent from conversation_members
    where conversation_id = $2 and user_id = $3 and request_state is distinct from 'declined'
  ), existing as (
    select * from messages where sender_id = $3 and client_msg_id = $4
  ), next_seq as (
    update conversations
    set last_seq = last_seq + 1, last_message_at = now(), updated_at = now()
    where id = $2 and exists (select 1 from membership) and not exists (select 1 from existing)
    returning id, last_seq
  ), inserted as (
    insert into messages (id, conversation_id, seq, sender_id, client_msg_id, content)
    select $1::uuid, id, last_seq, $3::uuid, $4::uuid, $5::text from next_seq
    returning *
  ), sender_watermarks as (
    update conversation_members
    set last_read_seq = greatest(last_read_seq, inserted.seq),
        last_delivered_seq = greatest(last_delivered_seq, inserted.seq),
        has_sent = true, request_state = null
    from inserted
    where conversation_members.conversation_id = inserted.conversation_id
      and conversation_members.user_id = inserted.sender_id
  )
  select true as created,
    coalesce((select request_state = 'pending' from membership), false) as accepted_request,
    coalesce((select not has_sent from membership), false) as first_send,
    inserted.*
  from inserted
  union all
  select false as created, false as accepted_request, false as first_send, existing.*
  from existing`;

const BASELINE_INSERT = `
  insert into baseline_messages (conversation_id, sender_id, client_msg_id, content)
  values ($1, $2, $3, $4) on conflict (sender_id, client_msg_id) do nothing returning *`;

function backendTicks(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += Number(rest[11]) + Number(rest[12]);
  }
  return total;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '4000' },
      clients: { type: 'string', default: '8' },
      conversations: { type: 'string', default: '100' },
      'admin-database-url': {
        type: 'string',
        default: 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  });
  const count = Number(values.count);
  const conversationCount = Number(values.conversations);
  const teardown = new Teardown();
  try {
    const database = await BenchDatabase.create(values['admin-database-url'], teardown);
    const setup = new pg.Client({ connectionString: database.url });
    await setup.connect();
    for (const migration of readdirSync(migrationsFolder)
      .filter((name) => name.endsWith('.sql'))
      .sort()) {
      const text = readFileSync(`${migrationsFolder}${migration}`, 'utf8');
      await setup.query(text.replaceAll('--> statement-breakpoint', ''));
    }
    await setup.query(`create table baseline_messages (
      id bigserial primary key, conversation_id uuid not null, sender_id uuid not null,
      client_msg_id uuid not null, content text not null,
      created_at timestamptz not null default now(), unique (sender_id, client_msg_id))`);
    const pairs: { conversationId: string; senderId: string }[] = [];
    for (let index = 0; index < conversationCount; index++) {
      const conversationId = randomUUID();
      const senderId = randomUUID();
      await setup.query(
        `insert into users (id, username, display_name, password_hash) values ($1, $2, $2, 'x')`,
        [senderId, `u${index}`],
      );
      await setup.query(`insert into conversations (id, type) values ($1, 'group')`, [
        conversationId,
      ]);
      await setup.query(
        `insert into conversation_members (conversation_id, user_id, role) values ($1, $2, 'owner')`,
        [conversationId, senderId],
      );
      pairs.push({ conversationId, senderId });
    }
    await setup.end();

    const rows: string[][] = [];
    for (const variant of ['parley', 'parley-prepared', 'baseline', 'parley', 'parley-prepared']) {
      const clients = await Promise.all(
        Array.from({ length: Number(values.clients) }, async () => {
          const client = new pg.Client({ connectionString: database.url, options: '-c jit=off' });
          await client.connect();
          return client;
        }),
      );
      const pids = await Promise.all(
        clients.map(
          async (client) =>
            (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number,
        ),
      );
      const ticksBefore = backendTicks(pids);
      const startedAt = performance.now();
      let next = 0;
      await Promise.all(
        clients.map(async (client) => {
          while (next < count) {
            const index = next++;
            const { conversationId, senderId } = pairs[index % pairs.length]!;
            const clientMsgId = randomUUID();
            if (variant === 'baseline') {
              await client.query(BASELINE_INSERT, [
                conversationId,
                senderId,
                clientMsgId,
                'x'.repeat(64),
              ]);
            } else {
              await client.query({
                ...(variant === 'parley-prepared' ? { name: 'send' } : {}),
                text: PARLEY_SEND,
                values: [randomUUID(), conversationId, senderId, clientMsgId, 'x'.repeat(64)],
              });
            }
          }
        }),
      );
      const seconds = (performance.now() - startedAt) / 1000;
      const cpuMicros = ((backendTicks(pids) - ticksBefore) / 100) * 1e6;
      rows.push([
        variant,
        String(count),
        (count / seconds).toFixed(0),
        (cpuMicros / count).toFixed(0),
      ]);
      await Promise.all(clients.map((client) => client.end()));
    }
    console.log(
      markdownTable(['statement', 'count', 'statements/s', 'backend CPU µs per statement'], rows),
    );
  } finally {
    await teardown.run();
  }
}

void main();
