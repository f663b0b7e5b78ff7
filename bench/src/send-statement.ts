/**
 * What one `message:send` costs PostgreSQL: runs Parley's send statement (as the API's build of
 * `MessagesRepository.send` renders it) and the baseline's INSERT a few thousand times each, from
 * `--clients` concurrent connections over `--conversations` conversations, and reports the
 * server-side CPU per message (from /proc of the backends) and the throughput.
 * Variants: `parley` (unnamed statement, parsed and planned on every call), `parley-prepared` (the
 * same text as the named prepared statement the server sends on PostgreSQL), `parley-batch` (the
 * prepared statement with `--batch` messages each, as the server's group commit sends them under
 * load), `baseline`. Costs are per message.
 *
 *   node bench/dist/send-statement.js [--count 4000] [--clients 8] [--conversations 100] [--batch 50]
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  DatabaseConnection,
  type RecordedStatement,
} from '../../apps/api/dist/database/database.js';
import { MessagesRepository } from '../../apps/api/dist/modules/messages/messages.repository.js';
import { BenchDatabase, Teardown } from './stack.js';
import { markdownTable } from './util.js';

const migrationsFolder = fileURLToPath(new URL('../../apps/api/drizzle/', import.meta.url));

const BASELINE_INSERT = `
  insert into baseline_messages (conversation_id, sender_id, client_msg_id, content)
  values ($1, $2, $3, $4) on conflict (sender_id, client_msg_id) do nothing returning *`;

/** The statements `MessagesRepository.send` sends for the messages, `batch` messages each. */
async function renderSends(
  inputs: { conversationId: string; senderId: string; clientMsgId: string; content: string }[],
  batch: number,
): Promise<RecordedStatement[]> {
  const rendered: RecordedStatement[] = [];
  const repository = new MessagesRepository(
    DatabaseConnection.recording((statement) => rendered.push(statement)),
  );
  for (let start = 0; start < inputs.length; start += batch) {
    const slice = inputs.slice(start, start + batch);
    await repository.send(slice.map((input) => ({ id: randomUUID(), ...input })));
  }
  return rendered;
}

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
      batch: { type: 'string', default: '50' },
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
    const variants = ['parley', 'parley-prepared', 'parley-batch', 'baseline'];
    for (const variant of [...variants, 'parley', 'parley-prepared', 'parley-batch']) {
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
      // Rendered before the clock starts: the client's work is not what this measures.
      const messages = Array.from({ length: count }, (_, index) => ({
        ...pairs[index % pairs.length]!,
        clientMsgId: randomUUID(),
        content: 'x'.repeat(64),
      }));
      const batch = variant === 'parley-batch' ? Number(values.batch) : 1;
      const sends = variant === 'baseline' ? [] : await renderSends(messages, batch);
      const statementCount = variant === 'baseline' ? count : sends.length;
      const ticksBefore = backendTicks(pids);
      const startedAt = performance.now();
      let next = 0;
      await Promise.all(
        clients.map(async (client) => {
          while (next < statementCount) {
            const index = next++;
            if (variant === 'baseline') {
              const { conversationId, senderId, clientMsgId, content } = messages[index]!;
              await client.query(BASELINE_INSERT, [conversationId, senderId, clientMsgId, content]);
            } else {
              const { name, text, params } = sends[index]!;
              await client.query({
                ...(variant === 'parley' ? {} : { name }),
                text,
                values: params,
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
      markdownTable(['statement', 'messages', 'messages/s', 'backend CPU µs per message'], rows),
    );
  } finally {
    await teardown.run();
  }
}

void main();
