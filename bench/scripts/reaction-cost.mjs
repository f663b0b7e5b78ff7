/**
 * What one reaction click costs as a message gathers reactors (issue 12): on a scratch database,
 * a message with 1, 100 and 1,000 reactors of one emoji takes `--clicks` clicks (a user's 👍 on,
 * then off) through the API's own `MessagesRepository.react`: the one change statement, its
 * answer (the message with all its reactions) included. Beside it, the read of that whole state
 * alone (`findBySeq`): the part of a click that grows with the reactors, because the contract
 * sends the whole new state. Prints a markdown table (median, p90, p99 in ms).
 *
 *   npm run build -w @parley/protocol && npm run build -w @parley/api
 *   node bench/scripts/reaction-cost.mjs [--clicks 400] [--database-url postgres://…/postgres]
 *
 * The scratch database `parley_reaction_cost` is created (through the server of
 * `--database-url`) and dropped again.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DatabaseConnection } from '../../apps/api/dist/database/database.js';
import { MessagesRepository } from '../../apps/api/dist/modules/messages/messages.repository.js';

const { values } = parseArgs({
  options: {
    clicks: { type: 'string', default: '400' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const clicks = Number(values.clicks);
const REACTOR_COUNTS = [1, 100, 1000];
const SCRATCH = 'parley_reaction_cost';

const admin = new pg.Client({ connectionString: values['database-url'] });
await admin.connect();
await admin.query(`drop database if exists ${SCRATCH}`);
await admin.query(`create database ${SCRATCH}`);
const scratchUrl = new URL(values['database-url']);
scratchUrl.pathname = `/${SCRATCH}`;

const database = await DatabaseConnection.open({
  databaseUrl: scratchUrl.toString(),
  poolSize: 2,
  dataDir: '/nonexistent',
  logger: { warn: () => {} },
  poolWait: { observeWait: () => {} },
});
const repository = new MessagesRepository(database);
const client = new pg.Client({ connectionString: scratchUrl.toString() });
await client.connect();

/** One group of 1,001 members with a message per reactor count, pre-filled with its reactors. */
async function seed() {
  const { rows: users } = await client.query(
    `insert into users (username, display_name, password_hash)
     select 'u' || n, 'User ' || n, 'x' from generate_series(0, 1000) n returning id`,
  );
  const [clicker, ...reactors] = users.map((user) => user.id);
  const {
    rows: [conversation],
  } = await client.query(
    `insert into conversations (type, name, last_seq, last_rev) values ('group', 'bench', $1, $1)
     returning id`,
    [REACTOR_COUNTS.length],
  );
  await client.query(
    `insert into conversation_members (conversation_id, user_id, role)
     select $1, id, 'member' from unnest($2::uuid[]) id`,
    [conversation.id, [clicker, ...reactors]],
  );
  let rev = REACTOR_COUNTS.length;
  for (const [index, count] of REACTOR_COUNTS.entries()) {
    const seq = index + 1;
    await client.query(
      `insert into messages (id, conversation_id, seq, rev, sender_id, client_msg_id, content)
       values (gen_random_uuid(), $1, $2, $2, $3, gen_random_uuid(), 'react to me')`,
      [conversation.id, seq, clicker],
    );
    // Each reactor its own rev, as if they had clicked one after another; the emoji keeps the
    // rev of its first reactor.
    await client.query(
      `insert into message_reactions (conversation_id, seq, emoji, user_id, rev, emoji_rev)
       select $1, $2, '🎉', id, $3 + ordinality, $3 + 1
       from unnest($4::uuid[]) with ordinality id`,
      [conversation.id, seq, rev, reactors.slice(0, count)],
    );
    rev += count;
    await client.query(`update messages set rev = $3 where conversation_id = $1 and seq = $2`, [
      conversation.id,
      seq,
      rev,
    ]);
  }
  await client.query(`update conversations set last_rev = $2 where id = $1`, [
    conversation.id,
    rev,
  ]);
  await client.query('vacuum analyze');
  return { conversationId: conversation.id, clicker };
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const summary = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return [0.5, 0.9, 0.99].map((p) => percentile(sorted, p).toFixed(2));
};

async function timed(times, run) {
  const samples = [];
  for (let index = 0; index < times; index++) {
    const start = performance.now();
    await run(index);
    samples.push(performance.now() - start);
  }
  return samples;
}

try {
  const { conversationId, clicker } = await seed();
  const rows = [];
  for (const [index, reactors] of REACTOR_COUNTS.entries()) {
    const seq = index + 1;
    const click = (n) =>
      repository.react({
        conversationId,
        seq,
        userId: clicker,
        emoji: '🎉',
        on: n % 2 === 0,
        maxEmojis: 20,
      });
    await timed(40, click); // warm-up: plans, caches
    const clickSamples = await timed(clicks, click);
    const readSamples = await timed(clicks, () => repository.findBySeq(conversationId, seq));
    const answer = await repository.findBySeq(conversationId, seq);
    rows.push([
      reactors,
      ...summary(clickSamples),
      ...summary(readSamples),
      JSON.stringify(answer).length,
    ]);
  }
  console.log(`clicks per row: ${clicks} (after 40 warm-up clicks), one at a time\n`);
  console.log(
    '| reactors | click p50 ms | click p90 | click p99 | read of the state p50 ms | p90 | p99 | answer bytes |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  await client.end();
  await database.close();
  await admin.query(`drop database if exists ${SCRATCH}`);
  await admin.end();
}
