/**
 * What a change to a big group costs the node that serves it: starts one Parley node (real
 * PostgreSQL, a private redis-server), creates a group of `--members` (the creator included),
 * then renames it, removes and adds a member, `--repeat` times each. For every request it reports
 * the response time and the longest event-loop stall of the node meanwhile (the node's own
 * `monitorEventLoopDelay` histogram, read and reset through `/metrics`; 10 ms resolution) and
 * the CPU time the node spent (which, unlike the other two, a busy machine does not inflate).
 * `--online` members (the creator among them) keep a socket open, so the fan-out reaches real
 * clients; the other members are written straight into the database (registering 1,000 users
 * would hash 1,000 passwords).
 *
 *   npm run build -w @parley/protocol && npm run build -w @parley/api && npm run build -w @parley/bench
 *   node bench/dist/group-changes.js [--members 1000] [--repeat 10] [--online 50] [--profile DIR]
 *
 * `--profile DIR` writes the node's CPU profile (`--cpu-prof`) into DIR.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Conversation } from '@parley/protocol';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { BenchDatabase, PrivateRedis, ServerProcess, Teardown } from './stack.js';
import { registerUsers } from './target.js';
import { markdownTable, randomHex, sleep, waitFor } from './util.js';

interface Sample {
  latencyMs: number;
  stallMs: number;
  /** The node's CPU time from before the request to a moment after its answer. */
  cpuMs: number;
}

interface NodeReading {
  /** The longest event-loop delay since the previous read, in ms; reading resets it. */
  stallMs: number;
  /** CPU time the node has used so far (user + system), in ms. */
  cpuMs: number;
}

async function readNode(url: string): Promise<NodeReading> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => {
    const match = new RegExp(`^parley_${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
    if (!match) throw new Error(`the node reports no parley_${name}`);
    return Number(match[1]) * 1000;
  };
  return {
    stallMs: value('nodejs_eventloop_lag_max_seconds'),
    cpuMs: value('process_cpu_seconds_total'),
  };
}

async function call(
  url: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/**
 * Runs `request` between two reads of the stall histogram. The second read waits a moment
 * after the answer, so work the node does after answering counts too.
 */
async function measure<T>(url: string, request: () => Promise<T>): Promise<Sample & { value: T }> {
  const before = await readNode(url);
  const startedAt = performance.now();
  const value = await request();
  const latencyMs = performance.now() - startedAt;
  await sleep(250);
  const after = await readNode(url);
  return { value, latencyMs, stallMs: after.stallMs, cpuMs: after.cpuMs - before.cpuMs };
}

const percentile = (values: number[], share: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? NaN;
};
const ms = (value: number) => value.toFixed(1);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      members: { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '10' },
      online: { type: 'string', default: '50' },
      profile: { type: 'string' },
      'admin-database-url': {
        type: 'string',
        default: 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  });
  const memberCount = Number(values.members);
  const repeat = Number(values.repeat);
  const onlineCount = Math.min(Number(values.online), memberCount);
  const teardown = new Teardown();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void teardown.run().finally(() => process.exit(130)));
  }
  const sockets: Socket[] = [];
  teardown.add('sockets', async () => {
    for (const socket of sockets) socket.close();
  });
  try {
    const database = await BenchDatabase.create(values['admin-database-url'], teardown);
    const redis = await PrivateRedis.start(teardown);
    const node = await ServerProcess.start(
      {
        kind: 'parley',
        databaseUrl: database.url,
        redisUrl: redis.url,
        poolSize: 10,
        jwtSecret: randomHex(32),
        profileDir: values.profile,
      },
      teardown,
    );
    const url = node.url;
    const prefix = `g${randomHex(3)}_`;
    // The creator and the online members; the first of these is the one removed and added again.
    const registered = await registerUsers([url], prefix, Math.max(onlineCount, 1));
    const [owner] = registered;
    const offline = memberCount - registered.length;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ id: string }>(
      `insert into users (username, display_name, password_hash)
       select $1 || 'offline_' || n, 'Offline member ' || n, 'no password'
       from generate_series(1, $2::int) as n returning id`,
      [prefix, offline],
    );
    await client.end();

    const updates = { received: 0 };
    for (const user of registered) {
      const socket = io(url, {
        auth: { token: user.accessToken },
        transports: ['websocket'],
        forceNew: true,
      });
      socket.on('conversation:updated', () => updates.received++);
      sockets.push(socket);
    }
    await waitFor(() => sockets.every((socket) => socket.connected), 30_000, 'online members');

    const memberIds = [...registered.slice(1).map((user) => user.id), ...rows.map((row) => row.id)];
    const token = owner!.accessToken!;
    const log = (line: string) => console.log(line);
    log(
      `group of ${memberCount} members (${registered.length} online), ${repeat} runs per change, ` +
        `node on ${url}; ${cpus().length} CPUs, load average ${loadavg()
          .map((load) => load.toFixed(2))
          .join(' ')}`,
    );

    const results: [string, Sample[]][] = [];
    const creation = await measure(url, () =>
      call(url, 'POST', '/conversations', token, { type: 'group', name: 'Big group', memberIds }),
    );
    const group = creation.value.body as Conversation;
    if (group.members.length !== memberCount) {
      throw new Error(`created a group of ${group.members.length}, not ${memberCount}`);
    }
    results.push([`create (${memberCount} members)`, [creation]]);

    const renames: Sample[] = [];
    const removals: Sample[] = [];
    const additions: Sample[] = [];
    for (let run = 0; run < repeat; run++) {
      removals.push(
        await measure(url, () =>
          call(url, 'DELETE', `/conversations/${group.id}/members/${memberIds[0]}`, token),
        ),
      );
      additions.push(
        await measure(url, () =>
          call(url, 'POST', `/conversations/${group.id}/members`, token, {
            userId: memberIds[0],
          }),
        ),
      );
      renames.push(
        await measure(url, () =>
          call(url, 'PATCH', `/conversations/${group.id}`, token, { name: `Big group ${run}` }),
        ),
      );
    }
    results.push([`rename (${memberCount})`, renames]);
    results.push([`remove (${memberCount} -> ${memberCount - 1})`, removals]);
    results.push([`add (${memberCount - 1} -> ${memberCount})`, additions]);
    const idle: Sample[] = [];
    for (let run = 0; run < 3; run++) idle.push(await measure(url, () => Promise.resolve()));
    results.push(['idle (no request)', idle]);

    log(
      markdownTable(
        [
          'change',
          'runs',
          'response p50 ms',
          'response max ms',
          'stall p50 ms',
          'stall max ms',
          'node CPU p50 ms',
        ],
        results
          .filter(([, samples]) => samples.length > 0)
          .map(([name, samples]) => [
            name,
            String(samples.length),
            ms(
              percentile(
                samples.map((sample) => sample.latencyMs),
                0.5,
              ),
            ),
            ms(Math.max(...samples.map((sample) => sample.latencyMs))),
            ms(
              percentile(
                samples.map((sample) => sample.stallMs),
                0.5,
              ),
            ),
            ms(Math.max(...samples.map((sample) => sample.stallMs))),
            ms(
              percentile(
                samples.map((sample) => sample.cpuMs),
                0.5,
              ),
            ),
          ]),
      ),
    );
    log(`conversation:updated events received by the online members: ${updates.received}`);
  } finally {
    await teardown.run();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
