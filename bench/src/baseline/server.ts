/**
 * The ceiling: the least a Socket.IO chat node can do for Parley's `message:send`, `sync`, the
 * receipts (`message:delivered`, `message:read`) and `typing`.
 * Plain socket.io with the same Redis adapter (ioredis), one INSERT per message into a table of
 * its own, no auth (the handshake says who it is and which conversations to join), no
 * validation, no framework. It speaks Parley's event names and ack shapes, so the load generator
 * is shared. Its `seq` is the table's global bigserial: increasing per conversation, not gapless.
 * A receipt is one upsert of the member's watermark row, and a `receipt:update` to the room when
 * it moved (`unreadCount` is always 0). Sockets whose handshake says `watermarkOnSend` (clients
 * that send receipts) also move their sender's watermarks in the send statement, as Parley does,
 * so the receipts that reach the database and the room are the same on both sides.
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
    on baseline_messages (conversation_id, id);
  create table if not exists baseline_watermarks (
    conversation_id uuid not null,
    user_id uuid not null,
    delivered_seq bigint not null,
    read_seq bigint not null,
    primary key (conversation_id, user_id)
  )`);

/** Moves a watermark forward (never back); returns the row only when it moved. */
const ADVANCE_DELIVERED = `
  insert into baseline_watermarks as w (conversation_id, user_id, delivered_seq, read_seq)
  values ($1, $2, $3, 0)
  on conflict (conversation_id, user_id) do update set delivered_seq = excluded.delivered_seq
  where w.delivered_seq < excluded.delivered_seq
  returning delivered_seq, read_seq`;
/** Reading also delivers. */
const ADVANCE_READ = `
  insert into baseline_watermarks as w (conversation_id, user_id, delivered_seq, read_seq)
  values ($1, $2, $3, $3)
  on conflict (conversation_id, user_id) do update
    set read_seq = excluded.read_seq, delivered_seq = greatest(w.delivered_seq, excluded.read_seq)
  where w.read_seq < excluded.read_seq
  returning delivered_seq, read_seq`;

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

/** The send of clients that send receipts: the message and its sender's watermarks at once. */
const INSERT_MOVING_WATERMARKS = `
  with inserted as (
    insert into baseline_messages (conversation_id, sender_id, client_msg_id, content)
    values ($1, $2, $3, $4) on conflict (sender_id, client_msg_id) do nothing returning *
  ), moved as (
    insert into baseline_watermarks as w (conversation_id, user_id, delivered_seq, read_seq)
    select conversation_id, sender_id, id, id from inserted
    on conflict (conversation_id, user_id) do update
      set delivered_seq = greatest(w.delivered_seq, excluded.delivered_seq),
          read_seq = greatest(w.read_seq, excluded.read_seq)
  )
  select * from inserted`;
const INSERT = `
  insert into baseline_messages (conversation_id, sender_id, client_msg_id, content)
  values ($1, $2, $3, $4) on conflict (sender_id, client_msg_id) do nothing returning *`;

io.use((socket, next) => {
  const { userId, conversationIds, watermarkOnSend } = socket.handshake.auth as {
    userId: string;
    conversationIds?: string[];
    watermarkOnSend?: boolean;
  };
  socket.data.userId = userId;
  socket.data.watermarkOnSend = watermarkOnSend === true;
  socket.join([`user:${userId}`, ...(conversationIds ?? []).map((id) => `conversation:${id}`)]);
  next();
});

let pending = 0;
io.on('connection', (socket) => {
  const senderId = socket.data.userId as string;
  const sendStatement = socket.data.watermarkOnSend ? INSERT_MOVING_WATERMARKS : INSERT;
  socket.on('message:send', async (payload, ack) => {
    pending++;
    try {
      const { conversationId, content, clientMsgId } = payload;
      // A retried clientMsgId returns the stored row and broadcasts nothing, as Parley does.
      const inserted = await pool.query<Row>(sendStatement, [
        conversationId,
        senderId,
        clientMsgId,
        content,
      ]);
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
  const advance =
    (statement: string, answer: Record<string, unknown>) =>
    async (payload: { conversationId: string; seq: number }, ack: (answer: unknown) => void) => {
      pending++;
      try {
        const { conversationId, seq } = payload;
        const { rows } = await pool.query<{ delivered_seq: string; read_seq: string }>(statement, [
          conversationId,
          senderId,
          seq,
        ]);
        ack({ ok: true, ...answer });
        const moved = rows[0];
        if (moved) {
          io.to(`conversation:${conversationId}`).emit('receipt:update', {
            conversationId,
            userId: senderId,
            deliveredSeq: Number(moved.delivered_seq),
            readSeq: Number(moved.read_seq),
          });
        }
      } catch (error) {
        ack({ ok: false, error: { code: 'INTERNAL', message: (error as Error).message } });
      } finally {
        pending--;
      }
    };
  socket.on('message:delivered', advance(ADVANCE_DELIVERED, {}));
  socket.on('message:read', advance(ADVANCE_READ, { unreadCount: 0 }));
  socket.on('typing', (payload, ack) => {
    const { conversationId, isTyping } = payload as { conversationId: string; isTyping: boolean };
    socket
      .to(`conversation:${conversationId}`)
      .emit('typing', { conversationId, userId: senderId, isTyping });
    ack({ ok: true });
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
