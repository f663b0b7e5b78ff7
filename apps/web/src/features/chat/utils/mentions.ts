import type { ConversationMember } from '@parley/protocol';

/** A member the composer can mention: inserted as `@displayName`, sent as the user id. */
export interface MentionCandidate {
  userId: string;
  displayName: string;
}

/** The `@word` being typed at the caret: where its `@` is and what follows it. */
export interface MentionQuery {
  start: number;
  query: string;
}

/** Suggestions shown at most. */
export const MAX_SUGGESTIONS = 8;

/**
 * The mention being typed when the caret ends an `@` that starts the text or follows a space
 * (so an e-mail address opens nothing), with no space after it; null otherwise.
 * @example activeMentionQuery('hi @bo', 6) // { start: 3, query: 'bo' }
 */
export function activeMentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const match = /(?:^|\s)@([^\s@]*)$/u.exec(before);
  if (!match) return null;
  return { start: caret - match[1]!.length - 1, query: match[1]! };
}

const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();

/**
 * The members to offer for `query`, others than the writer: display names or usernames that
 * start with it first, then those with a word that does, each group in the members' order.
 */
export function mentionSuggestions(
  query: string,
  members: readonly ConversationMember[],
  ownUserId: string,
): ConversationMember[] {
  const wanted = fold(query);
  const starts: ConversationMember[] = [];
  const inside: ConversationMember[] = [];
  for (const member of members) {
    if (member.userId === ownUserId) continue;
    const name = fold(member.displayName);
    const username = fold(member.username);
    if (name.startsWith(wanted) || username.startsWith(wanted)) starts.push(member);
    else if (name.split(/\s+/u).some((word) => word.startsWith(wanted))) inside.push(member);
  }
  return [...starts, ...inside].slice(0, MAX_SUGGESTIONS);
}

/**
 * `text` with the mention being typed (from `query.start` to `caret`) replaced by
 * `@displayName ` and where the caret goes after it.
 */
export function insertMention(
  text: string,
  query: MentionQuery,
  caret: number,
  displayName: string,
): { text: string; caret: number } {
  const inserted = `@${displayName} `;
  const after = text.slice(caret).replace(/^ /u, '');
  return {
    text: text.slice(0, query.start) + inserted + after,
    caret: query.start + inserted.length,
  };
}

/**
 * The ids of the chosen members whose `@displayName` is still in the text: a mention deleted
 * from the draft is not sent.
 */
export function mentionedUserIds(text: string, chosen: readonly MentionCandidate[]): string[] {
  const ids = new Set<string>();
  for (const candidate of chosen) {
    if (text.includes(`@${candidate.displayName}`)) ids.add(candidate.userId);
  }
  return [...ids];
}

export type MentionPart = { type: 'text'; text: string } | { type: 'mention'; text: string };

/**
 * Splits message text at the `@displayName` of each mentioned member, for rendering the
 * mentions highlighted (as text, never HTML). Longer names win over their prefixes.
 */
export function splitMentions(text: string, names: readonly string[]): MentionPart[] {
  const tokens = [...new Set(names.filter((name) => name.length > 0))]
    .map((name) => `@${name}`)
    .sort((a, b) => b.length - a.length);
  const parts: MentionPart[] = [];
  let plainStart = 0;
  let position = 0;
  while (position < text.length && tokens.length > 0) {
    const at = text.indexOf('@', position);
    if (at === -1) break;
    const token = tokens.find((candidate) => text.startsWith(candidate, at));
    if (!token) {
      position = at + 1;
      continue;
    }
    if (at > plainStart) parts.push({ type: 'text', text: text.slice(plainStart, at) });
    parts.push({ type: 'mention', text: token });
    position = at + token.length;
    plainStart = position;
  }
  if (plainStart < text.length) parts.push({ type: 'text', text: text.slice(plainStart) });
  return parts;
}
