import { Injectable } from '@nestjs/common';
import type { User } from '@parley/protocol';
import { NotFoundError } from '../../common/errors.js';
import { UsersRepository, type UserRow } from './users.repository.js';

export const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  displayName: row.displayName,
});

@Injectable()
export class UsersService {
  constructor(private readonly usersRepository: UsersRepository) {}

  async getById(userId: string): Promise<User> {
    const row = await this.usersRepository.findById(userId);
    // A valid token whose user is gone (deleted) is treated like any unknown id.
    if (!row) throw new NotFoundError('user not found');
    return toUser(row);
  }

  /** People the caller may start a conversation with; the caller is not among them. */
  async search(callerId: string, prefix: string, limit: number): Promise<User[]> {
    const rows = await this.usersRepository.searchByPrefix(prefix, limit, callerId);
    return rows.map(toUser);
  }
}
