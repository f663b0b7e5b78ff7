import { Injectable } from '@nestjs/common';
import type { Message, Reaction } from '@parley/protocol';
import { sql, type SQL } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { ExampleValue, GenerateSql } from '../../database/generate-sql.js';
import { allMembers, mayDeleteAnyMessageOf, membershipOf } from '../access/access.repository.js';
import { toMessage, type MessageColumns } from './message.mapper.js';
import { applyReaction } from './message-reactions.js';
import { readCountColumns } from './unread.repository.js';

/** A message to store, as the sender gave it, with the id the server made for it. */
export interface NewMessage {
  id: string;
  conversationId: string;
  senderId: string;
  clientMsgId: string;
  content: string;
  /** Checked by the service: an earlier seq of the conversation. */
  replyToSeq?: number;
  /** Checked by the service: members, without the sender, at most 50. */
  mentions?: string[];
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
  /**
   * Exact counts at `lastReadSeq`, read after the move committed (`readCounts`); only for a
   * target that is a read, whose answer carries them.
   */
  counts?: { unreadCount: number; mentionCount: number };
  /** The member's message request is pending: their receipts stay with them. */
  request: boolean;
}

/** A member's read watermark to count at (`readCounts`); `ordinal` comes back with its counts. */
export interface ReadState {
  ordinal: number;
  conversationId: string;
  userId: string;
  lastReadSeq: number;
}

export interface ReadCounts {
  ordinal: number;
  /** The conversation's last seq in the snapshot that counted. */
  lastSeq: number;
  unreadCount: number;
  mentionCount: number;
}

export interface WatermarkTarget {
  conversationId: string;
  userId: string;
  readSeq: number;
  deliveredSeq: number;
  /**
   * A read (`message:read`, REST read) answers the counts; a delivered receipt, the most
   * frequent event, does not, and its batch skips counting when it holds no read.
   */
  read: boolean;
}

export interface SyncRow {
  conversationId: string;
  cursorSeq: number | null;
  /** A message of `updated` (changed at or before the cursor's seq), not one after the cursor. */
  updated: boolean;
  message: Message | null;
}

export interface SyncCursor {
  conversationId: string;
  seq: number;
  rev?: number;
}

/**
 * What a change statement found and did. `changed` took the next rev of the conversation; every
 * other outcome wrote nothing and carries the message as it is. `not_member`: the caller may not
 * see the conversation; `not_found`: it has no such seq.
 */
export type MessageChange =
  | { kind: 'not_member' | 'not_found' }
  | {
      kind: 'forbidden' | 'deleted' | 'bad_mentions' | 'unchanged' | 'too_many_reactions';
      message: Message;
    }
  | { kind: 'changed'; message: Message; previous: Message };

/**
 * The flags every change statement answers, beside the message before and after; all null when
 * the caller is a member but the conversation has no such seq.
 */
interface ChangeRow {
  fresh: boolean | null;
  allowed: boolean | null;
  live: boolean | null;
  bad_mentions: boolean | null;
  unchanged: boolean | null;
  too_many_reactions: boolean | null;
  current: MessageColumns | null;
  updated: MessageColumns | null;
  reactions: Reaction[];
}

/**
 * The `reactions` of the message `alias` (a table alias of `messages` in the enclosing query) as
 * one JSON array: emojis in the order first used (their `emoji_rev`), users in the order they
 * reacted (their `rev`). A correlated subquery, one index range per message of the page: no
 * round trip per message.
 */
export const reactionsOf = (alias: string): SQL => sql`coalesce((
    select json_agg(json_build_object('emoji', emoji, 'userIds', user_ids) order by emoji_rev)
    from (
      select emoji, min(emoji_rev) as emoji_rev, json_agg(user_id order by rev) as user_ids
      from message_reactions reaction
      where reaction.conversation_id = ${sql.raw(alias)}.conversation_id
        and reaction.seq = ${sql.raw(alias)}.seq
      group by emoji
    ) emojis), '[]'::json)`;

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
          replyToSeq: 1,
          mentions: [ExampleValue.OTHER_USER_ID],
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
          content text, "replyToSeq" bigint, mentions uuid[])
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
        insert into messages (id, conversation_id, seq, rev, sender_id, client_msg_id, content,
          reply_to_seq, mentions)
        select accepted.id, accepted."conversationId", next_seqs.base_seq + accepted.position,
          next_seqs.base_rev + accepted.position,
          accepted."senderId", accepted."clientMsgId", accepted.content,
          accepted."replyToSeq", coalesce(accepted.mentions, '{}')
        from accepted join next_seqs on next_seqs.id = accepted."conversationId"
        returning *
      ), mentioned as (
        insert into message_mentions (conversation_id, user_id, seq)
        select inserted.conversation_id, mentioned.user_id, inserted.seq
        from inserted cross join lateral unnest(inserted.mentions) as mentioned(user_id)
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
        inserted.*, '[]'::json as reactions
      from inserted join accepted on accepted.id = inserted.id
      union all
      select checked.ordinal, false as created, false as accepted_request, false as first_send,
        messages.*, ${reactionsOf('messages')} as reactions
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
    const [row] = await this.database.query<MessageColumns>(sql`
      select msg.*, ${reactionsOf('msg')} as reactions from messages msg
      where msg.sender_id = ${senderId} and msg.client_msg_id = ${clientMsgId}`);
    return row && toMessage(row);
  }

  /** One message by its seq, with its reactions. */
  @GenerateSql({ params: [ExampleValue.CONVERSATION_ID, 7] })
  async findBySeq(conversationId: string, seq: number): Promise<Message | undefined> {
    const [row] = await this.database.query<MessageColumns>(sql`
      select msg.*, ${reactionsOf('msg')} as reactions from messages msg
      where msg.conversation_id = ${conversationId} and msg.seq = ${seq}`);
    return row && toMessage(row);
  }

  /**
   * Up to `limit` messages before or after a seq (or the latest), ascending by seq, each with
   * its reactions (one index range per message, in the same statement).
   */
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
    const range =
      position.after !== undefined
        ? sql`and msg.seq > ${position.after} order by msg.seq`
        : position.before !== undefined
          ? sql`and msg.seq < ${position.before} order by msg.seq desc`
          : sql`order by msg.seq desc`;
    const rows = await this.database.query<MessageColumns>(sql`
      select msg.*, ${reactionsOf('msg')} as reactions
      from (
        select * from messages msg where msg.conversation_id = ${conversationId} ${range}
        limit ${limit}
      ) msg`);
    const messagesOfPage = rows.map(toMessage);
    return position.after !== undefined ? messagesOfPage : messagesOfPage.reverse();
  }

  /**
   * Replaces the content and mentions of a message its sender (`editorId`) still has, in one
   * statement that takes the next rev (see {@link change}). The same content and mentions again
   * change nothing. The statement checks that the mentioned users are members (`bad_mentions`).
   */
  @GenerateSql({
    params: [
      {
        conversationId: ExampleValue.CONVERSATION_ID,
        seq: 7,
        editorId: ExampleValue.USER_ID,
        content: ExampleValue.TEXT,
        mentions: [ExampleValue.OTHER_USER_ID],
      },
    ],
  })
  async edit(input: {
    conversationId: string;
    seq: number;
    editorId: string;
    content: string;
    mentions: string[];
  }): Promise<MessageChange> {
    const { conversationId, seq, editorId, content } = input;
    const mentions = uuidArray(input.mentions);
    return this.change(
      { conversationId, seq, callerId: editorId },
      sql`
      decision as (
        select target.fresh, target.sender_id = ${editorId} as allowed,
          target.deleted_at is null as live, false as too_many_reactions,
          not ${allMembers(conversationId, mentions)} as bad_mentions,
          target.content = ${content} and target.mentions @> ${mentions}
            and target.mentions <@ ${mentions} as unchanged
        from target
      ), ${nextRev(conversationId)}, updated as (
        update messages
        set content = ${content}, mentions = ${mentions}, edited_at = now(), rev = next_rev.rev
        from next_rev
        where messages.conversation_id = ${conversationId} and messages.seq = ${seq}
        returning messages.*
      ), unmentioned as (
        delete from message_mentions mention using target, next_rev
        where mention.conversation_id = ${conversationId} and mention.seq = ${seq}
          and mention.user_id = any(target.mentions) and not mention.user_id = any(${mentions})
      ), mentioned as (
        insert into message_mentions (conversation_id, user_id, seq)
        select ${conversationId}, mentioned.user_id, ${seq}
        from next_rev, target, unnest(${mentions}) as mentioned(user_id)
        where not mentioned.user_id = any(target.mentions)
      )`,
    );
  }

  /**
   * Turns a message into its tombstone: content, mentions and reactions gone, `deleted_at` set.
   * Its sender may, and in a group its owner or admins (`mayDeleteAnyMessageOf` of the access
   * module, checked in the statement); a tombstone stays as it is.
   */
  @GenerateSql({
    params: [
      { conversationId: ExampleValue.CONVERSATION_ID, seq: 7, userId: ExampleValue.USER_ID },
    ],
  })
  async delete(input: {
    conversationId: string;
    seq: number;
    userId: string;
  }): Promise<MessageChange> {
    const { conversationId, seq, userId } = input;
    return this.change(
      { conversationId, seq, callerId: userId },
      sql`
      decision as (
        select target.fresh, target.deleted_at is null as live, false as too_many_reactions,
          false as bad_mentions,
          target.sender_id = ${userId} or ${mayDeleteAnyMessageOf('member')} as allowed,
          target.deleted_at is not null as unchanged
        from target cross join member
      ), ${nextRev(conversationId)}, updated as (
        update messages
        set content = '', mentions = '{}', deleted_at = now(), rev = next_rev.rev
        from next_rev
        where messages.conversation_id = ${conversationId} and messages.seq = ${seq}
        returning messages.*
      ), unmentioned as (
        delete from message_mentions mention using target, next_rev
        where mention.conversation_id = ${conversationId} and mention.seq = ${seq}
          and mention.user_id = any(target.mentions)
      ), unreacted as (
        delete from message_reactions reaction using next_rev
        where reaction.conversation_id = ${conversationId} and reaction.seq = ${seq}
      )`,
    );
  }

  /**
   * Puts `userId`'s `emoji` on the message or takes it back: one row inserted or deleted,
   * whatever the number of reactors. An emoji keeps the `emoji_rev` of its rows while it has
   * any; one that (re)appears takes the new rev, so it is listed last. A message at
   * `maxEmojis` distinct emojis takes no new one.
   */
  @GenerateSql({
    params: [
      {
        conversationId: ExampleValue.CONVERSATION_ID,
        seq: 7,
        userId: ExampleValue.USER_ID,
        emoji: '👍',
        on: true,
        maxEmojis: 20,
      },
    ],
  })
  async react(input: {
    conversationId: string;
    seq: number;
    userId: string;
    emoji: string;
    on: boolean;
    maxEmojis: number;
  }): Promise<MessageChange> {
    const { conversationId, seq, userId, emoji, on, maxEmojis } = input;
    const ofMessage = sql`reaction.conversation_id = ${conversationId} and reaction.seq = ${seq}`;
    const outcome = await this.change(
      { conversationId, seq, callerId: userId },
      sql`
      reacted as (
        select
          exists (
            select from message_reactions reaction
            where ${ofMessage} and reaction.emoji = ${emoji} and reaction.user_id = ${userId}
          ) as had,
          (select reaction.emoji_rev from message_reactions reaction
            where ${ofMessage} and reaction.emoji = ${emoji} limit 1) as emoji_rev
      ), decision as (
        select target.fresh, true as allowed, target.deleted_at is null as live,
          false as bad_mentions,
          target.deleted_at is null and reacted.had = ${on} as unchanged,
          reacted.emoji_rev,
          case when ${on} and reacted.emoji_rev is null
            then (select count(distinct reaction.emoji) from message_reactions reaction
                  where ${ofMessage}) >= ${maxEmojis}
            else false end as too_many_reactions
        from target cross join reacted
      ), ${nextRev(conversationId)}, updated as (
        update messages set rev = next_rev.rev
        from next_rev
        where messages.conversation_id = ${conversationId} and messages.seq = ${seq}
        returning messages.*
      ), added as (
        insert into message_reactions (conversation_id, seq, emoji, user_id, rev, emoji_rev)
        select ${conversationId}, ${seq}, ${emoji}, ${userId}, next_rev.rev,
          coalesce(decision.emoji_rev, next_rev.rev)
        from next_rev cross join decision
        where ${on}
      ), removed as (
        delete from message_reactions reaction using next_rev
        where ${ofMessage} and reaction.emoji = ${emoji} and reaction.user_id = ${userId}
          and not ${on}
      )`,
    );
    if (outcome.kind !== 'changed') return outcome;
    const reactions = applyReaction(outcome.previous.reactions, { userId, emoji, on });
    return { ...outcome, message: { ...outcome.message, reactions } };
  }

  /**
   * Runs one change statement on the message (`conversationId`, `seq`) for `callerId`. `member`
   * is the caller's membership row (the access module's rule, {@link membershipOf}); a
   * non-member's statement locks and writes nothing and answers no row. `steps` are its CTEs
   * after `target` (the message, locked, with `fresh`): `decision` (the flags of
   * {@link ChangeRow}), `next_rev` (the conversation's next rev, taken only for a real change:
   * the conversation row stays locked until commit, so revs commit in order), `updated` (the
   * message's new row) and the writes of the side tables. Checks, membership included, cost no
   * round trip of their own: a change is one statement, like a send.
   *
   * The statement decides on what its snapshot shows of the message's reactions and mentions,
   * and PostgreSQL takes that snapshot before the statement waits for the message's row lock.
   * Every change locks and rewrites the message row (its rev), so when the locked row still has
   * the rev of the snapshot (`fresh`), nobody changed the message since and the snapshot is
   * exact. When another change came between, the statement wrote nothing, and it runs again
   * after taking the lock in a transaction of its own: its new snapshot sees that change.
   */
  private async change(
    of: { conversationId: string; seq: number; callerId: string },
    steps: SQL,
  ): Promise<MessageChange> {
    const { conversationId, seq, callerId } = of;
    const statement = sql`
      with member as (${membershipOf(conversationId, callerId)}
      ), snapshot as (
        select rev from messages where conversation_id = ${conversationId} and seq = ${seq}
      ), locked as materialized (
        select * from messages
        where conversation_id = ${conversationId} and seq = ${seq} and exists (select from member)
        for no key update
      ), target as (
        select locked.*, locked.rev = snapshot.rev as fresh from locked join snapshot on true
      ), ${steps}
      select decision.fresh, decision.allowed, decision.live, decision.bad_mentions,
        decision.unchanged, decision.too_many_reactions, row_to_json(target) as current,
        (select row_to_json(updated) from updated) as updated,
        ${reactionsOf('target')} as reactions
      from member left join (target cross join decision) on true`;
    let [row] = await this.database.query<ChangeRow>(statement);
    if (row?.current && !row.fresh) {
      [row] = await this.database.queryUnderLock<ChangeRow>(
        sql`select 1 from messages
          where conversation_id = ${conversationId} and seq = ${seq}
          for no key update`,
        statement,
      );
    }
    if (!row) return { kind: 'not_member' };
    if (!row.current) return { kind: 'not_found' };
    const current = toMessage({ ...row.current, reactions: row.reactions });
    if (!row.allowed) return { kind: 'forbidden', message: current };
    if (!row.live && !row.unchanged) return { kind: 'deleted', message: current };
    if (row.bad_mentions) return { kind: 'bad_mentions', message: current };
    if (row.unchanged) return { kind: 'unchanged', message: current };
    if (row.too_many_reactions) return { kind: 'too_many_reactions', message: current };
    if (!row.updated) throw new Error('a message change took no rev');
    const reactions = row.updated.deleted_at === null ? row.reactions : [];
    return {
      kind: 'changed',
      message: toMessage({ ...row.updated, reactions }),
      previous: current,
    };
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
   * Each answer to a read carries the member's exact unread and mention counts at the new
   * watermark, read by a second statement after the first one committed (`readCounts`): one
   * extra round trip per batch that holds a read; a batch of delivered receipts only skips it. Counted by the first, from its snapshot, a delete that committed while the statement
   * waited for a member row (after its snapshot, before its lock) would be missing from the
   * count, and that delete's `afterDelete` would have read the watermark before this move: the
   * member would keep a count off by one. Counted after the commit, a delete that committed
   * before the count is in it, and one that commits later finds the new watermark.
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
      Omit<WatermarkChange, 'request' | 'counts'> & {
        ordinal: number;
        conversationId: string;
        userId: string;
        request: boolean | null;
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
             previous.conversation_id as "conversationId",
             previous.user_id as "userId",
             previous.last_read_seq as "previousReadSeq",
             previous.last_delivered_seq as "previousDeliveredSeq",
             advanced.last_read_seq as "lastReadSeq",
             advanced.last_delivered_seq as "lastDeliveredSeq",
             previous.request_state = 'pending' as request
      from previous join advanced on advanced.ordinal = previous.ordinal`,
    );
    const reads = rows.filter((row) => merged.rows[row.ordinal]?.read);
    const counts = reads.length === 0 ? [] : await this.readCounts(reads);
    const countsByOrdinal = new Map(
      counts.map(({ ordinal, unreadCount, mentionCount }) => [
        ordinal,
        { unreadCount, mentionCount },
      ]),
    );
    const changeByOrdinal = new Map<number, WatermarkChange>();
    for (const row of rows) {
      changeByOrdinal.set(row.ordinal, {
        previousReadSeq: row.previousReadSeq,
        previousDeliveredSeq: row.previousDeliveredSeq,
        lastReadSeq: row.lastReadSeq,
        lastDeliveredSeq: row.lastDeliveredSeq,
        counts: countsByOrdinal.get(row.ordinal),
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
   * Members' exact counts at the given watermarks, each with the conversation's `lastSeq` they
   * were counted against, all from this statement's one snapshot (the second statement of
   * `advanceWatermarks`, run after its commit).
   */
  @GenerateSql({
    params: [
      [
        {
          ordinal: 0,
          conversationId: ExampleValue.CONVERSATION_ID,
          userId: ExampleValue.USER_ID,
          lastReadSeq: 1,
        },
      ],
    ],
  })
  async readCounts(readStates: ReadState[]): Promise<ReadCounts[]> {
    const rows = await this.database.queryPrepared<{
      ordinal: number;
      lastSeq: number;
      unread_count: number;
      mention_count: number;
    }>(
      'parley_read_counts',
      sql`
      with read_state as (
        select * from json_to_recordset(${JSON.stringify(
          readStates.map(({ ordinal, conversationId, userId, lastReadSeq }) => ({
            ordinal,
            conversationId,
            userId,
            lastReadSeq,
          })),
        )}::json)
          as read_row(ordinal int, "conversationId" uuid, "userId" uuid, "lastReadSeq" bigint)
      )
      select read_state.ordinal, c.last_seq as "lastSeq",
             ${readCountColumns({
               conversationId: sql`read_state."conversationId"`,
               userId: sql`read_state."userId"`,
               lastReadSeq: sql`read_state."lastReadSeq"`,
               lastSeq: sql`c.last_seq`,
             })}
      from read_state join conversations c on c.id = read_state."conversationId"`,
    );
    return rows.map(({ unread_count, mention_count, ...row }) => ({
      ...row,
      unreadCount: unread_count,
      mentionCount: mention_count,
    }));
  }

  /**
   * For every conversation of the user: up to `limit + 1` messages after the client's cursor,
   * or, where the client gave none, the latest `limit`; and where the cursor has a rev, up to
   * `limit + 1` messages at or before its seq changed after its rev, by rev (`updated`). One
   * statement for all conversations, so both parts come from one snapshot: a client that takes
   * its rev cursor from the answer misses no change. Rows come by conversation, new messages
   * first by seq, then the changed ones by rev (`sync_order`).
   */
  @GenerateSql({
    params: [
      ExampleValue.USER_ID,
      [{ conversationId: ExampleValue.CONVERSATION_ID, seq: 1, rev: 1 }],
      50,
    ],
  })
  async messagesSince(userId: string, cursors: SyncCursor[], limit: number): Promise<SyncRow[]> {
    const rows = await this.database.query<
      Partial<MessageColumns> & {
        sync_conversation_id: string;
        cursor_seq: number | null;
        sync_updated: boolean;
      }
    >(sql`
      with cursors as (
        select * from json_to_recordset(${JSON.stringify(cursors)}::json)
          as cursor_row("conversationId" uuid, seq bigint, rev bigint)
      ), mine as (
        select c.id, c.last_seq, cursors.seq as cursor_seq, cursors.rev as cursor_rev
        from conversation_members m
        join conversations c on c.id = m.conversation_id
        left join cursors on cursors."conversationId" = c.id
        where m.user_id = ${userId} and m.request_state is distinct from 'declined'
      )
      select mine.id as sync_conversation_id, mine.cursor_seq, false as sync_updated,
        msg.seq as sync_order, msg.*,
        ${reactionsOf('msg')} as reactions
      from mine
      left join lateral (
        select * from messages
        where messages.conversation_id = mine.id
          and messages.seq > coalesce(mine.cursor_seq, greatest(mine.last_seq - ${limit}, 0))
        order by messages.seq
        limit ${limit + 1}
      ) msg on true
      union all
      select mine.id, mine.cursor_seq, true, msg.rev, msg.*, ${reactionsOf('msg')}
      from (select * from mine where cursor_rev is not null) mine
      cross join lateral (
        select * from messages
        where messages.conversation_id = mine.id and messages.rev > mine.cursor_rev
          and messages.seq <= mine.cursor_seq
        order by messages.rev
        limit ${limit + 1}
      ) msg
      order by sync_conversation_id, sync_updated, sync_order`);
    return rows.map((row) => ({
      conversationId: row.sync_conversation_id,
      cursorSeq: row.cursor_seq,
      updated: row.sync_updated,
      message: row.id ? toMessage(row as MessageColumns) : null,
    }));
  }
}

/** Takes the conversation's next rev when `decision` says the change changes something. */
const nextRev = (conversationId: string): SQL => sql`next_rev as (
        update conversations set last_rev = last_rev + 1
        from decision
        where conversations.id = ${conversationId} and decision.fresh and decision.allowed
          and decision.live and not decision.bad_mentions and not decision.unchanged
          and not decision.too_many_reactions
        returning conversations.last_rev as rev
      )`;

/** A list of (validated) UUIDs as one array parameter. */
const uuidArray = (ids: string[]): SQL => sql`${`{${ids.join(',')}}`}::uuid[]`;

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
    row.read ||= target.read;
    return ordinal;
  });
  return { rows, ordinalOf, announcerOf };
}
