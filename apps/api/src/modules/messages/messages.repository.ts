import { Injectable } from '@nestjs/common';
import type { Message } from '@parley/protocol';
import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { ExampleValue, GenerateSql } from '../../database/generate-sql.js';
import { messages } from '../../database/schema.js';
import { toMessage, type MessageColumns } from './message.mapper.js';
import { readCountColumns } from './unread.repository.js';

/** A message to store, as the sender gave it, with the id the server made for it. */
export interface NewMessage {
  id: string;
  conversationId: string;
  senderId: string;
  clientMsgId: string;
  content: string;
}

export type SendOutcome =
  | {
      kind: 'created' | 'duplicate';
      message: Message;
      /** The sender's watermarks when the send accepted a message request they had received. */
      acceptedRequest?: { lastReadSeq: number; lastDeliveredSeq: number };
      /** The sender's first message here: in a direct conversation, the other became a contact. */
      firstSend?: boolean;
    }
  | { kind: 'not_member' };

export interface WatermarkChange {
  previousReadSeq: number;
  previousDeliveredSeq: number;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  lastSeq: number;
  /** Exact counts at `lastReadSeq`, read in the statement that moved it (`readCountColumns`). */
  unreadCount: number;
  mentionCount: number;
  /** The member's message request is pending: their receipts stay with them. */
  request: boolean;
}

export interface WatermarkTarget {
  conversationId: string;
  userId: string;
  readSeq: number;
  deliveredSeq: number;
}

export interface SyncRow {
  conversationId: string;
  cursorSeq: number | null;
  message: Message | null;
}

@Injectable()
export class MessagesRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /**
   * Stores sends in one statement, one round trip and one commit, each with its own outcome, in
   * input order: membership check, idempotency check, next seqs (the conversation row lock
   * orders concurrent batches), insert, and the senders' watermarks. Sends to one conversation
   * take consecutive seqs in input order. A (senderId, clientMsgId) twice in the inputs (rare:
   * `SendBatcher` lets a repeat wait for the first) fails the statement on the unique
   * constraint, like a concurrent duplicate from another statement; the failed statement rolls
   * back its seqs too: seq never gets a gap. The watermark update also records that the sender has sent here and ends a
   * message request they received: no extra write, the row is written anyway; only a sender's
   * first send of the batch in a conversation reports that (`acceptedRequest`, `firstSend`), as
   * if the sends had come one by one. A declined request is no membership.
   * Rows are locked in one order by every batch: conversations by id, then the senders'
   * member rows by (conversation_id, user_id), the order the receipts take them in too, so
   * concurrent batches wait for each other instead of deadlocking.
   * Membership is checked here, not before, to keep one round trip: the rule is `requireMember`
   * in modules/access/access.ts.
   */
  @GenerateSql({
    params: [
      [
        {
          id: ExampleValue.MESSAGE_ID,
          conversationId: ExampleValue.CONVERSATION_ID,
          senderId: ExampleValue.USER_ID,
          clientMsgId: ExampleValue.CLIENT_MSG_ID,
          content: ExampleValue.TEXT,
        },
      ],
    ],
  })
  async send(inputs: NewMessage[]): Promise<SendOutcome[]> {
    const sends = inputs.map((input, ordinal) => ({ ordinal, ...input }));
    const rows = await this.database.queryPrepared<
      MessageColumns & {
        ordinal: number;
        created: boolean;
        accepted_request: boolean;
        first_send: boolean;
      }
    >(
      'parley_send_messages',
      sql`
      with send as (
        select * from json_to_recordset(${JSON.stringify(sends)}::json) as send(
          ordinal int, id uuid, "conversationId" uuid, "senderId" uuid, "clientMsgId" uuid,
          content text)
      ), checked as (
        select send.*, m.request_state, m.has_sent, m.member is not null as member,
          existing.id as existing_id
        from send
        left join lateral (
          select true as member, request_state, has_sent from conversation_members
          where conversation_id = send."conversationId" and user_id = send."senderId"
            and request_state is distinct from 'declined'
          limit 1
        ) m on true
        left join lateral (
          select id from messages
          where sender_id = send."senderId" and client_msg_id = send."clientMsgId"
          limit 1
        ) existing on true
      ), accepted as (
        select checked.*,
          row_number() over (partition by "conversationId" order by ordinal) as position,
          row_number() over (partition by "conversationId", "senderId" order by ordinal) = 1
            as first_of_sender
        from checked
        where member and existing_id is null
      ), locked_conversations as materialized (
        select locked.id, added.count
        from (
          select "conversationId" as id, count(*) as count from accepted group by 1 order by 1
        ) added
        cross join lateral (
          select id from conversations where id = added.id for no key update
        ) locked
      ), next_seqs as (
        update conversations
        set last_seq = last_seq + locked.count, last_rev = last_rev + locked.count,
          last_message_at = now(), updated_at = now()
        from locked_conversations locked
        where conversations.id = locked.id
        returning conversations.id, conversations.last_seq - locked.count as base_seq,
          conversations.last_rev - locked.count as base_rev
      ), inserted as (
        insert into messages (id, conversation_id, seq, rev, sender_id, client_msg_id, content)
        select accepted.id, accepted."conversationId", next_seqs.base_seq + accepted.position,
          next_seqs.base_rev + accepted.position,
          accepted."senderId", accepted."clientMsgId", accepted.content
        from accepted join next_seqs on next_seqs.id = accepted."conversationId"
        returning *
      ), locked_senders as materialized (
        select locked.conversation_id, locked.user_id, sent.seq
        from (
          select conversation_id, sender_id, max(seq) as seq from inserted
          group by 1, 2 order by 1, 2
        ) sent
        cross join lateral (
          select conversation_id, user_id from conversation_members
          where conversation_id = sent.conversation_id and user_id = sent.sender_id
          for no key update
        ) locked
      ), sender_watermarks as (
        update conversation_members m
        set last_read_seq = greatest(m.last_read_seq, sent.seq),
            last_delivered_seq = greatest(m.last_delivered_seq, sent.seq),
            has_sent = true, request_state = null
        from locked_senders sent
        where m.conversation_id = sent.conversation_id and m.user_id = sent.user_id
      )
      select accepted.ordinal, true as created,
        accepted.first_of_sender and accepted.request_state is not distinct from 'pending'
          as accepted_request,
        accepted.first_of_sender and not accepted.has_sent as first_send,
        inserted.*
      from inserted join accepted on accepted.id = inserted.id
      union all
      select checked.ordinal, false as created, false as accepted_request, false as first_send,
        messages.*
      from checked join messages on messages.id = checked.existing_id`,
    );
    const outcomes: SendOutcome[] = inputs.map(() => ({ kind: 'not_member' }));
    for (const row of rows) {
      const message = toMessage(row);
      outcomes[row.ordinal] = {
        kind: row.created ? 'created' : 'duplicate',
        message,
        // The sender's watermarks moved to the new message, as the update above set them.
        acceptedRequest: row.accepted_request
          ? { lastReadSeq: message.seq, lastDeliveredSeq: message.seq }
          : undefined,
        firstSend: row.first_send,
      };
    }
    return outcomes;
  }

  @GenerateSql({ params: [ExampleValue.USER_ID, ExampleValue.CLIENT_MSG_ID] })
  async findByClientMsgId(senderId: string, clientMsgId: string): Promise<Message | undefined> {
    const [row] = await this.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.senderId, senderId), eq(messages.clientMsgId, clientMsgId)));
    return row && toMessage(row);
  }

  /** Up to `limit` messages before or after a seq (or the latest), ascending by seq. */
  @GenerateSql(
    { name: 'latest', params: [ExampleValue.CONVERSATION_ID, {}, 51] },
    { name: 'before', params: [ExampleValue.CONVERSATION_ID, { before: 5000 }, 51] },
    { name: 'after', params: [ExampleValue.CONVERSATION_ID, { after: 14800 }, 51] },
  )
  async page(
    conversationId: string,
    position: { before?: number; after?: number },
    limit: number,
  ): Promise<Message[]> {
    const inConversation = eq(messages.conversationId, conversationId);
    if (position.after !== undefined) {
      const rows = await this.database.db
        .select()
        .from(messages)
        .where(and(inConversation, gt(messages.seq, position.after)))
        .orderBy(asc(messages.seq))
        .limit(limit);
      return rows.map(toMessage);
    }
    const rows = await this.database.db
      .select()
      .from(messages)
      .where(
        position.before === undefined
          ? inConversation
          : and(inConversation, lt(messages.seq, position.before)),
      )
      .orderBy(desc(messages.seq))
      .limit(limit);
    return rows.reverse().map(toMessage);
  }

  /**
   * Moves members' watermarks forward (never back, never past the last message), for any number
   * of (conversation, member) pairs in one statement and one commit; one answer per target, in
   * order, undefined where the user is not a member (the rule of `requireMember` in
   * modules/access/access.ts, checked in the statement to keep one round trip).
   *
   * Targets of the same member of the same conversation are merged first (an UPDATE changes a
   * row once per statement): the row takes the highest of them. The change is answered to one of
   * them, the first with the highest read target (a read when there is one, so its caller
   * announces the new read watermark), and the others learn the new watermarks as already
   * there: exactly one caller sees the move, as if it had come first and the others after it.
   *
   * Member rows are locked in (conversation_id, user_id) order, the order the send takes them
   * in after its conversation row: concurrent batches wait for each other but cannot deadlock.
   *
   * Each answer carries the member's exact unread and mention counts at the new watermark, from
   * this statement's snapshot: a second statement could count a delete that committed in
   * between while this one's `lastSeq` predates it.
   */
  @GenerateSql({
    params: [
      [
        {
          conversationId: ExampleValue.CONVERSATION_ID,
          userId: ExampleValue.USER_ID,
          readSeq: 1,
          deliveredSeq: 2,
        },
      ],
    ],
  })
  async advanceWatermarks(targets: WatermarkTarget[]): Promise<(WatermarkChange | undefined)[]> {
    const merged = mergeTargets(targets);
    const rows = await this.database.queryPrepared<
      Omit<WatermarkChange, 'request' | 'unreadCount' | 'mentionCount'> & {
        ordinal: number;
        request: boolean | null;
        unread_count: number;
        mention_count: number;
      }
    >(
      'parley_advance_watermarks',
      sql`
      with target as (
        select * from json_to_recordset(${JSON.stringify(merged.rows)}::json)
          as target_row(ordinal int, "conversationId" uuid, "userId" uuid, "readSeq" bigint,
            "deliveredSeq" bigint)
      ), previous as materialized (
        select target.ordinal, target."readSeq", target."deliveredSeq",
          m.conversation_id, m.user_id, m.last_read_seq, m.last_delivered_seq, m.request_state,
          c.last_seq
        from target
        join conversation_members m
          on m.conversation_id = target."conversationId" and m.user_id = target."userId"
        join conversations c on c.id = m.conversation_id
        where m.request_state is distinct from 'declined'
        order by m.conversation_id, m.user_id
        for no key update of m
      ), advanced as (
        update conversation_members m
        set last_read_seq = greatest(m.last_read_seq, least(previous."readSeq", previous.last_seq)),
            last_delivered_seq = greatest(
              m.last_delivered_seq,
              least(greatest(previous."deliveredSeq", previous."readSeq"), previous.last_seq))
        from previous
        where m.conversation_id = previous.conversation_id and m.user_id = previous.user_id
        returning previous.ordinal, m.last_read_seq, m.last_delivered_seq
      )
      select previous.ordinal,
             previous.last_read_seq as "previousReadSeq",
             previous.last_delivered_seq as "previousDeliveredSeq",
             advanced.last_read_seq as "lastReadSeq",
             advanced.last_delivered_seq as "lastDeliveredSeq",
             previous.last_seq as "lastSeq",
             previous.request_state = 'pending' as request,
             ${readCountColumns({
               conversationId: sql`previous.conversation_id`,
               userId: sql`previous.user_id`,
               lastReadSeq: sql`advanced.last_read_seq`,
               lastSeq: sql`previous.last_seq`,
             })}
      from previous join advanced on advanced.ordinal = previous.ordinal`,
    );
    const changeByOrdinal = new Map<number, WatermarkChange>();
    for (const { ordinal, unread_count, mention_count, ...row } of rows) {
      changeByOrdinal.set(ordinal, {
        ...row,
        unreadCount: unread_count,
        mentionCount: mention_count,
        // For a member without a request, `request_state = 'pending'` is null, not false.
        request: row.request === true,
      });
    }
    return targets.map((_, index) => {
      const change = changeByOrdinal.get(merged.ordinalOf[index] as number);
      if (!change || merged.announcerOf[merged.ordinalOf[index] as number] === index) return change;
      return {
        ...change,
        previousReadSeq: change.lastReadSeq,
        previousDeliveredSeq: change.lastDeliveredSeq,
      };
    });
  }

  /**
   * For every conversation of the user: up to `limit + 1` messages after the client's cursor,
   * or, where the client gave none, the latest `limit`. One statement for all conversations.
   */
  @GenerateSql({
    params: [ExampleValue.USER_ID, [{ conversationId: ExampleValue.CONVERSATION_ID, seq: 1 }], 50],
  })
  async messagesSince(
    userId: string,
    cursors: { conversationId: string; seq: number }[],
    limit: number,
  ): Promise<SyncRow[]> {
    const rows = await this.database.query<
      Partial<MessageColumns> & { sync_conversation_id: string; cursor_seq: number | null }
    >(sql`
      with cursors as (
        select * from json_to_recordset(${JSON.stringify(cursors)}::json)
          as cursor_row("conversationId" uuid, seq bigint)
      ), mine as (
        select c.id, c.last_seq, cursors.seq as cursor_seq
        from conversation_members m
        join conversations c on c.id = m.conversation_id
        left join cursors on cursors."conversationId" = c.id
        where m.user_id = ${userId} and m.request_state is distinct from 'declined'
      )
      select mine.id as sync_conversation_id, mine.cursor_seq, msg.*
      from mine
      left join lateral (
        select * from messages
        where messages.conversation_id = mine.id
          and messages.seq > coalesce(mine.cursor_seq, greatest(mine.last_seq - ${limit}, 0))
        order by messages.seq
        limit ${limit + 1}
      ) msg on true
      order by mine.id, msg.seq`);
    return rows.map((row) => ({
      conversationId: row.sync_conversation_id,
      cursorSeq: row.cursor_seq,
      message: row.id ? toMessage(row as MessageColumns) : null,
    }));
  }
}

/**
 * One row per (conversation, member) with the highest targets, the row each target maps to
 * (`ordinalOf`), and for each row the target that is told of its change (`announcerOf`).
 */
function mergeTargets(targets: WatermarkTarget[]) {
  const rows: (WatermarkTarget & { ordinal: number })[] = [];
  const announcerOf: number[] = [];
  const ordinalByMember = new Map<string, number>();
  const ordinalOf = targets.map((target, index) => {
    const member = `${target.conversationId} ${target.userId}`;
    const ordinal = ordinalByMember.get(member);
    if (ordinal === undefined) {
      ordinalByMember.set(member, rows.length);
      announcerOf.push(index);
      rows.push({ ...target, ordinal: rows.length });
      return rows.length - 1;
    }
    const row = rows[ordinal] as WatermarkTarget;
    if (target.readSeq > row.readSeq) announcerOf[ordinal] = index;
    row.readSeq = Math.max(row.readSeq, target.readSeq);
    row.deliveredSeq = Math.max(row.deliveredSeq, target.deliveredSeq);
    return ordinal;
  });
  return { rows, ordinalOf, announcerOf };
}
