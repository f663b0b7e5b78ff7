// What a fresh pooled connection costs the first send it carries, against a warm one (issue 11):
// connection start-up, then the send statement (as the API prepares it) three times. The first
// execution on a backend also loads the catalog caches and the foreign-key check plans.
//
//   node bench/scripts/connection-warmup-probe.mjs postgres://postgres@127.0.0.1:5440/DB [ROUNDS]
//
// DB must hold Parley's schema (apps/api/drizzle/*.sql) and nothing else: the probe inserts two
// users and a direct conversation, sends ROUNDS x 3 messages, and leaves them there.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';

const [url, roundsText = '30'] = process.argv.slice(2);
const rounds = Number(roundsText);
const queries = readFileSync(
  new URL('../../apps/api/src/queries/messages.repository.sql', import.meta.url),
  'utf8',
);
const send = /prepare messages_send as\n([^;]+);/.exec(queries)[1];

const setup = new pg.Client({ connectionString: url });
await setup.connect();
const [alice, bob, conversation] = [randomUUID(), randomUUID(), randomUUID()];
for (const id of [alice, bob]) {
  await setup.query(
    `insert into users (id, username, display_name, password_hash, created_at, presence, direct_messages, group_adds)
     values ($1, $2, 'probe', 'x', now(), 'everyone', 'everyone', 'everyone')`,
    [id, `probe_${id.slice(0, 8)}`],
  );
}
await setup.query(
  `insert into conversations (id, type, direct_key, last_seq, created_at, updated_at) values ($1, 'direct', $2, 0, now(), now())`,
  [conversation, `${alice}:${bob}`],
);
await setup.query(
  `insert into conversation_members (conversation_id, user_id, role) values ($1, $2, 'member'), ($1, $3, 'member')`,
  [conversation, alice, bob],
);
await setup.end();

const sendOnce = (client) => {
  const clientMsgId = randomUUID();
  return client.query({
    name: 'parley_send_message',
    text: send,
    values: [
      conversation,
      alice,
      alice,
      clientMsgId,
      conversation,
      randomUUID(),
      alice,
      clientMsgId,
      'probe',
    ],
  });
};
const timed = async (action) => {
  const start = performance.now();
  await action();
  return performance.now() - start;
};

const columns = { connect: [], first: [], second: [], third: [] };
for (let round = 0; round < rounds; round++) {
  const client = new pg.Client({ connectionString: url, options: '-c jit=off' });
  columns.connect.push(await timed(() => client.connect()));
  columns.first.push(await timed(() => sendOnce(client)));
  columns.second.push(await timed(() => sendOnce(client)));
  columns.third.push(await timed(() => sendOnce(client)));
  await client.end();
}
const at = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];
console.log(`| ms (${rounds} fresh connections) | p50 | p90 | max |\n|---|---|---|---|`);
for (const [name, values] of Object.entries(columns)) {
  console.log(
    `| ${name} | ${at(values, 0.5).toFixed(2)} | ${at(values, 0.9).toFixed(2)} | ${Math.max(...values).toFixed(2)} |`,
  );
}
