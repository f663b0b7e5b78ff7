import { Injectable } from '@nestjs/common';
import { and, asc, eq, like, ne, or, sql } from 'drizzle-orm';
import { DatabaseConnection } from '../../database/database.js';
import { users } from '../../database/schema.js';

export type UserRow = typeof users.$inferSelect;

const escapeLikePattern = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

@Injectable()
export class UsersRepository {
  constructor(private readonly database: DatabaseConnection) {}

  /** Inserts a user; a taken username surfaces as the driver's unique violation. */
  async create(values: {
    username: string;
    displayName: string;
    passwordHash: string;
  }): Promise<UserRow> {
    const [row] = await this.database.db.insert(users).values(values).returning();
    return row!;
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.database.db.select().from(users).where(eq(users.id, id));
    return row;
  }

  async findByUsername(username: string): Promise<UserRow | undefined> {
    const [row] = await this.database.db.select().from(users).where(eq(users.username, username));
    return row;
  }

  /** Users whose username or display name starts with `prefix` (lower case), by username. */
  async searchByPrefix(prefix: string, limit: number, excludeUserId: string): Promise<UserRow[]> {
    const pattern = `${escapeLikePattern(prefix)}%`;
    return this.database.db
      .select()
      .from(users)
      .where(
        and(
          ne(users.id, excludeUserId),
          or(like(users.username, pattern), like(sql`lower(${users.displayName})`, pattern)),
        ),
      )
      .orderBy(asc(users.username))
      .limit(limit);
  }
}
