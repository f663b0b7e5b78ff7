import { Injectable } from '@nestjs/common';
import type { PresenceVisibility, PrivacySettings, PrivacySettingsPatch } from '@parley/protocol';
import { eq, sql, type SQL } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { users } from '../../database/schema.js';

/**
 * True when `other` is a contact of `owner`: they share a direct conversation in which `owner`
 * has sent a message. Both arguments are uuid expressions; the direct key finds the pair's one
 * direct conversation through its unique index.
 */
export const isContactOf = (owner: SQL, other: SQL): SQL => sql`exists (
  select 1 from conversations contact_direct
  join conversation_members contact_member on contact_member.conversation_id = contact_direct.id
  where contact_direct.direct_key =
      least(${owner}, ${other})::text || ':' || greatest(${owner}, ${other})::text
    and contact_member.user_id = ${owner} and contact_member.has_sent)`;

/** A JSON array of ids as a set of uuids, usable in `in (...)` (node-postgres and PGlite alike). */
const uuidSet = (ids: string[]): SQL =>
  sql`(select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json))`;

/** Who may see a user's presence, for a user whose setting is not the default. */
export interface PresenceRule {
  visibility: Exclude<PresenceVisibility, 'everyone'>;
  /** For `contacts`: the contacts among the ids asked about. */
  contactIds: Set<string>;
}

@Injectable()
export class PrivacyRepository {
  constructor(private readonly database: DatabaseConnection) {}

  async findSettings(userId: string): Promise<PrivacySettings | undefined> {
    const [row] = await this.database.db
      .select({
        presence: users.presence,
        directMessages: users.directMessages,
        groupAdds: users.groupAdds,
      })
      .from(users)
      .where(eq(users.id, userId));
    return row;
  }

  /** Applies `patch`; answers the settings before and after, or undefined for an unknown user. */
  async updateSettings(
    userId: string,
    patch: PrivacySettingsPatch,
  ): Promise<{ previous: PrivacySettings; current: PrivacySettings } | undefined> {
    const [row] = await this.database.query<{
      presence: PresenceVisibility;
      direct_messages: PrivacySettings['directMessages'];
      group_adds: PrivacySettings['groupAdds'];
      previous_presence: PresenceVisibility;
      previous_direct_messages: PrivacySettings['directMessages'];
      previous_group_adds: PrivacySettings['groupAdds'];
    }>(sql`
      with previous as (
        select presence, direct_messages, group_adds from users where id = ${userId} for update
      )
      update users set
        presence = coalesce(${patch.presence ?? null}::text, users.presence),
        direct_messages = coalesce(${patch.directMessages ?? null}::text, users.direct_messages),
        group_adds = coalesce(${patch.groupAdds ?? null}::text, users.group_adds)
      from previous
      where users.id = ${userId}
      returning users.presence, users.direct_messages, users.group_adds,
        previous.presence as previous_presence,
        previous.direct_messages as previous_direct_messages,
        previous.group_adds as previous_group_adds`);
    if (!row) return undefined;
    return {
      previous: {
        presence: row.previous_presence,
        directMessages: row.previous_direct_messages,
        groupAdds: row.previous_group_adds,
      },
      current: {
        presence: row.presence,
        directMessages: row.direct_messages,
        groupAdds: row.group_adds,
      },
    };
  }

  /** The users among `targetIds` who let only their contacts add them, and `callerId` is not one. */
  async findGroupAddRefusals(callerId: string, targetIds: string[]): Promise<string[]> {
    if (targetIds.length === 0) return [];
    const rows = await this.database.query<{ id: string }>(sql`
      select target.id from users target
      where target.id in ${uuidSet(targetIds)} and target.group_adds = 'contacts'
        and not ${isContactOf(sql`target.id`, sql`${callerId}::uuid`)}`);
    return rows.map((row) => row.id);
  }

  /**
   * Everyone who may see `userId`'s presence under `visibility`: the people who share a
   * conversation with them (message requests do not count until accepted), narrowed to their
   * contacts for `contacts`, nobody for `nobody`.
   */
  async findPresenceAudience(userId: string, visibility: PresenceVisibility): Promise<string[]> {
    if (visibility === 'nobody') return [];
    const contactsOnly =
      visibility === 'contacts' ? isContactOf(sql`${userId}::uuid`, sql`other.user_id`) : sql`true`;
    const rows = await this.database.query<{ user_id: string }>(sql`
      select distinct other.user_id
      from conversation_members mine
      join conversation_members other on other.conversation_id = mine.conversation_id
      where mine.user_id = ${userId} and other.user_id <> ${userId}
        and mine.request_state is null and other.request_state is null
        and ${contactsOnly}`);
    return rows.map((row) => row.user_id);
  }

  /**
   * The other member of a direct conversation, when `userId` shows their presence to contacts
   * only (the others saw it already, or never will) and it is no message request.
   */
  async findNewContactViewers(userId: string, conversationId: string): Promise<string[]> {
    const rows = await this.database.query<{ user_id: string }>(sql`
      select other.user_id
      from conversation_members other
      join conversations c on c.id = other.conversation_id and c.type = 'direct'
      join users subject on subject.id = ${userId} and subject.presence = 'contacts'
      where other.conversation_id = ${conversationId} and other.user_id <> ${userId}
        and other.request_state is null`);
    return rows.map((row) => row.user_id);
  }

  /** The presence rules of those among `userIds` whose setting is not the default. */
  async findPresenceRules(userIds: string[]): Promise<Map<string, PresenceRule>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.database.query<{
      id: string;
      presence: PresenceRule['visibility'];
      contact_ids: string[] | null;
    }>(sql`
      select subject.id, subject.presence,
        case when subject.presence = 'contacts' then (
          select json_agg(other.user_id)
          from conversation_members sent
          join conversations direct on direct.id = sent.conversation_id and direct.type = 'direct'
          join conversation_members other
            on other.conversation_id = direct.id and other.user_id <> subject.id
          where sent.user_id = subject.id and sent.has_sent and other.user_id in ${uuidSet(userIds)}
        ) end as contact_ids
      from users subject
      where subject.id in ${uuidSet(userIds)} and subject.presence <> 'everyone'`);
    return new Map(
      rows.map((row) => [
        row.id,
        { visibility: row.presence, contactIds: new Set(row.contact_ids ?? []) },
      ]),
    );
  }
}
