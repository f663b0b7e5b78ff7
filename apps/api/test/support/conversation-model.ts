import type { Message, Reaction } from '@parley/protocol';

/** What the model keeps of a message: the fields a change can move, and who sent it. */
export interface ModelMessage {
  seq: number;
  rev: number;
  senderId: string;
  content: string;
  edited: boolean;
  deleted: boolean;
  mentions: string[];
  reactions: Reaction[];
}

/** What a change did: `changed` false is the contract's "a change that changes nothing". */
export type ModelOutcome =
  | { ok: true; changed: boolean; message: ModelMessage }
  /** Refused with one of `codes`; or, where `unchanged` is given, answered it unchanged. */
  | { ok: false; codes: string[]; unchanged?: ModelMessage };

export interface ModelCounts {
  lastReadSeq: number;
  unreadCount: number;
  mentionCount: number;
}

/**
 * One group conversation as contract section 6 says it behaves, for members that never change:
 * what every client should end up holding, and every member's exact counts.
 */
export class ConversationModel {
  readonly messages: ModelMessage[] = [];
  lastRev = 0;
  private readonly lastReadSeq = new Map<string, number>();

  constructor(
    memberIds: string[],
    private readonly managerIds: string[],
  ) {
    for (const userId of memberIds) this.lastReadSeq.set(userId, 0);
  }

  get lastSeq(): number {
    return this.messages.length;
  }

  message(seq: number): ModelMessage | undefined {
    return this.messages[seq - 1];
  }

  send(senderId: string, content: string, mentions: string[]): ModelMessage {
    const message: ModelMessage = {
      seq: this.lastSeq + 1,
      rev: ++this.lastRev,
      senderId,
      content,
      edited: false,
      deleted: false,
      mentions: this.mentionsOf(senderId, mentions),
      reactions: [],
    };
    this.messages.push(message);
    this.lastReadSeq.set(senderId, message.seq);
    return message;
  }

  edit(userId: string, seq: number, content: string, mentions: string[]): ModelOutcome {
    const message = this.message(seq)!;
    if (message.senderId !== userId) {
      // The sender rule and the tombstone rule both refuse a stranger's edit of a tombstone.
      return { ok: false, codes: message.deleted ? ['FORBIDDEN', 'VALIDATION'] : ['FORBIDDEN'] };
    }
    if (message.deleted) return { ok: false, codes: ['VALIDATION'] };
    Object.assign(message, {
      content,
      edited: true,
      mentions: this.mentionsOf(userId, mentions),
      rev: ++this.lastRev,
    });
    return { ok: true, changed: true, message };
  }

  delete(userId: string, seq: number): ModelOutcome {
    const message = this.message(seq)!;
    if (message.senderId !== userId && !this.managerIds.includes(userId)) {
      // Deleting a tombstone changes nothing, so a stranger may be refused or answered it.
      return { ok: false, codes: ['FORBIDDEN'], unchanged: message.deleted ? message : undefined };
    }
    if (message.deleted) return { ok: true, changed: false, message };
    Object.assign(message, {
      content: '',
      deleted: true,
      mentions: [],
      reactions: [],
      rev: ++this.lastRev,
    });
    return { ok: true, changed: true, message };
  }

  react(userId: string, seq: number, emoji: string, on: boolean): ModelOutcome {
    const message = this.message(seq)!;
    if (message.deleted) return { ok: false, codes: ['VALIDATION'] };
    const reaction = message.reactions.find((entry) => entry.emoji === emoji);
    const has = reaction?.userIds.includes(userId) ?? false;
    if (on === has) return { ok: true, changed: false, message };
    if (on) {
      if (reaction) reaction.userIds.push(userId);
      else message.reactions.push({ emoji, userIds: [userId] });
    } else {
      reaction!.userIds = reaction!.userIds.filter((id) => id !== userId);
      if (reaction!.userIds.length === 0) {
        message.reactions = message.reactions.filter((entry) => entry !== reaction);
      }
    }
    message.rev = ++this.lastRev;
    return { ok: true, changed: true, message };
  }

  /** Moves the read watermark forward, never past the last message. */
  read(userId: string, seq: number): void {
    const clamped = Math.min(seq, this.lastSeq);
    this.lastReadSeq.set(userId, Math.max(this.lastReadSeq.get(userId)!, clamped));
  }

  /** Contract section 6: unread are the messages after the watermark, not the viewer's own, not deleted. */
  countsOf(userId: string): ModelCounts {
    const lastReadSeq = this.lastReadSeq.get(userId)!;
    const unread = this.messages.filter(
      (message) => message.seq > lastReadSeq && !message.deleted && message.senderId !== userId,
    );
    return {
      lastReadSeq,
      unreadCount: unread.length,
      mentionCount: unread.filter((message) => message.mentions.includes(userId)).length,
    };
  }

  /** Members whose counts a delete of `seq` changes: those who had not read it. */
  unreadBy(seq: number): string[] {
    const senderId = this.message(seq)!.senderId;
    return [...this.lastReadSeq]
      .filter(([userId, lastReadSeq]) => lastReadSeq < seq && userId !== senderId)
      .map(([userId]) => userId);
  }

  /** Send rules of mentions: duplicates and the sender dropped. */
  private mentionsOf(senderId: string, mentions: string[]): string[] {
    return [...new Set(mentions)].filter((userId) => userId !== senderId);
  }
}

/** The fields of a wire message the model decides, for comparing a client's copy with it. */
export function observable(message: Message | ModelMessage) {
  if ('deletedAt' in message) {
    return {
      seq: message.seq,
      rev: message.rev,
      senderId: message.senderId,
      content: message.content,
      edited: message.editedAt !== null,
      deleted: message.deletedAt !== null,
      mentions: message.mentions,
      reactions: message.reactions,
    };
  }
  return { ...message, reactions: message.reactions.map((entry) => ({ ...entry })) };
}

/**
 * A client's copy of the messages as it folds them in: `message:new`, `message:updated` and
 * sync answers, each kept only when its `rev` is newer than the copy it holds.
 */
export class FoldedMessages {
  readonly bySeq = new Map<number, Message>();

  apply(message: Message): void {
    const held = this.bySeq.get(message.seq);
    if (!held || held.rev < message.rev) this.bySeq.set(message.seq, message);
  }

  /** The sync cursor: the highest seq and rev held (events come in rev order on one socket). */
  cursor(conversationId: string) {
    let seq = 0;
    let rev = 0;
    for (const message of this.bySeq.values()) {
      seq = Math.max(seq, message.seq);
      rev = Math.max(rev, message.rev);
    }
    return { conversationId, seq, rev };
  }

  ascending(): Message[] {
    return [...this.bySeq.values()].sort((left, right) => left.seq - right.seq);
  }
}
