/**
 * The ceiling: the least a Socket.IO chat node can do for Parley's `message:send` and `sync`.
 * Plain socket.io with the same Redis adapter (ioredis), one INSERT per message into a table of
 * its own, no auth (the handshake says who it is and which conversations to join), no
 * validation, no framework. It speaks Parley's event names and ack shapes, so the load generator
 * is shared. Its `seq` is the table's global bigserial: increasing per conversation, not gapless.
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
});
pool.on('error', () => undefined);

await pool.query(`
  create table if not exists baseline_messages (
    id bigserial primary key,
    conversation_id uuid not null,
    sender_id uuid not null,
    client_msg_id uuid not null,
    content text not null,
    created_at timestamptz not null default now(),
    unique (sender_id, client_msg_id)
  );
  create index if not exists baseline_messages_conversation_idx
    on baseline_messages (conversation_id, id)`);

interface Row {
  id: string;
  conversation_id: string;
  sender_id: string;
  client_msg_id: string;
  content: string;
  created_at: Date;
}
const toMessage = (row: Row) => ({
  id: row.id,
  conversationId: row.conversation_id,
  seq: Number(row.id),
  senderId: row.sender_id,
  clientMsgId: row.client_msg_id,
  content: row.content,
  type: 'text' as const,
  createdAt: row.created_at.toISOString(),
});

const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
eventLoopDelay.enable();
/** The three numbers the bench samples, under Parley's metric names with a `baseline_` prefix. */
function metrics(): string {
  const cpu = process.cpuUsage();
  const text = [
    `baseline_process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    `baseline_process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
    `baseline_nodejs_eventloop_lag_p99_seconds ${eventLoopDelay.percentile(99) / 1e9}`,
  ].join('\n');
  eventLoopDelay.reset();
  return `${text}\n`;
}

const httpServer = createServer((request, response) => {
  if (request.url === '/health') response.writeHead(200).end('{"status":"ok"}');
  else if (request.url === '/metrics') response.writeHead(200).end(metrics());
  else response.writeHead(404).end();
});
const io = new Server(httpServer, { maxHttpBufferSize: 64 * 1024 });
const redisClients: Redis[] = [];
if (process.env.REDIS_URL) {
  const pubClient = new Redis(process.env.REDIS_URL);
  const subClient = pubClient.duplicate();
  redisClients.push(pubClient, subClient);
  for (const client of redisClients) client.on('error', () => undefined);
  io.adapter(createAdapter(pubClient, subClient, { key: 'baseline' }));
}

io.use((socket, next) => {
  const { userId, conversationIds } = socket.handshake.auth as {
    userId: string;
    conversationIds?: string[];
  };
  socket.data.userId = userId;
  socket.join([`user:${userId}`, ...(conversationIds ?? []).map((id) => `conversation:${id}`)]);
  next();
});

let pending = 0;
io.on('connection', (socket) => {
  const senderId = socket.data.userId as string;
  socket.on('message:send', async (payload, ack) => {
    pending++;
    try {
      const { conversationId, content, clientMsgId } = payload;
      // A retried clientMsgId returns the stored row and broadcasts nothing, as Parley does.
      const inserted = await pool.query<Row>(
        `insert into baseline_messages (conversation_id, sender_id, client_msg_id, content)
         values ($1, $2, $3, $4) on conflict (sender_id, client_msg_id) do nothing returning *`,
        [conversationId, senderId, clientMsgId, content],
      );
      const row =
        inserted.rows[0] ??
        (
          await pool.query<Row>(
            'select * from baseline_messages where sender_id = $1 and client_msg_id = $2',
            [senderId, clientMsgId],
          )
        ).rows[0]!;
      const message = toMessage(row);
      ack({ ok: true, message });
      if (inserted.rows[0]) io.to(`conversation:${conversationId}`).emit('message:new', message);
    } catch (error) {
      ack({ ok: false, error: { code: 'INTERNAL', message: (error as Error).message } });
    } finally {
      pending--;
    }
  });
  socket.on('sync', async (payload, ack) => {
    pending++;
    try {
      const { cursors, limit = 100 } = payload as {
        cursors: { conversationId: string; seq: number }[];
        limit?: number;
      };
      const conversations = await Promise.all(
        cursors.map(async ({ conversationId, seq }) => {
          const { rows } = await pool.query<Row>(
            `select * from baseline_messages where conversation_id = $1 and id > $2
             order by id limit $3`,
            [conversationId, seq, limit + 1],
          );
          const hasMore = rows.length > limit;
          return { conversationId, messages: rows.slice(0, limit).map(toMessage), hasMore };
        }),
      );
      ack({ ok: true, conversations, removed: [] });
    } catch (error) {
      ack({ ok: false, error: { code: 'INTERNAL', message: (error as Error).message } });
    } finally {
      pending--;
    }
  });
});

httpServer.listen(port, host);

// Like Parley: refuse new sockets, let queued work ack, then disconnect the sockets and exit.
process.once('SIGTERM', async () => {
  httpServer.close();
  const deadline = Date.now() + 10_000;
  while (pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  io.local.disconnectSockets(true);
  await Promise.all(redisClients.map((client) => client.quit().catch(() => undefined)));
  await pool.end();
  process.exit(0);
});
