import { Injectable } from '@nestjs/common';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { refreshTokens } from '../../database/schema.js';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly database: DatabaseConnection) {}

  async insert(values: typeof refreshTokens.$inferInsert): Promise<void> {
    await this.database.db.insert(refreshTokens).values(values);
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const [row] = await this.database.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash));
    return row;
  }

  /**
   * Spends token `spentId` and stores its successor in one statement. Returns false when the
   * token was already spent or revoked, e.g. by a concurrent refresh with the same token.
   */
  async rotate(
    spentId: string,
    successor: { id: string; tokenHash: string; expiresAt: Date },
  ): Promise<boolean> {
    const rows = await this.database.query<{ id: string }>(sql`
      with spent as (
        update ${refreshTokens}
        set replaced_by = ${successor.id}
        where id = ${spentId} and replaced_by is null and revoked_at is null
        returning user_id, family_id
      )
      insert into ${refreshTokens} (id, user_id, family_id, token_hash, expires_at)
      select ${successor.id}, user_id, family_id, ${successor.tokenHash},
        ${successor.expiresAt.toISOString()}::timestamptz
      from spent
      returning id`);
    return rows.length === 1;
  }

  /** True while the session (token family) has a token that was not revoked. */
  async isSessionActive(familyId: string): Promise<boolean> {
    const [row] = await this.database.db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
      .limit(1);
    return row !== undefined;
  }

  /** Revokes every session of the user; returns the ids of those that were still active. */
  async revokeAllOfUser(userId: string): Promise<string[]> {
    const rows = await this.database.db
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
      .returning({ familyId: refreshTokens.familyId });
    return [...new Set(rows.map((row) => row.familyId))];
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.database.db
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }
}
