import { Injectable } from '@nestjs/common';
import type { User, UserSearchInput } from '@parley/protocol';
import { NotFoundError } from '../../common/errors.js';
import type { AuthContext } from '../auth/current-auth.decorator.js';
import { UsersRepository, type UserRow } from './users.repository.js';

export const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  displayName: row.displayName,
});

@Injectable()
export class UsersService {
  constructor(private readonly usersRepository: UsersRepository) {}

  /** The caller's own profile. */
  async getMe(auth: AuthContext): Promise<User> {
    const row = await this.usersRepository.findById(auth.userId);
    // A valid token whose user is gone (deleted) is treated like any unknown id.
    if (!row) throw new NotFoundError('user not found');
    return toUser(row);
  }

  /** People the caller may start a conversation with; the caller is not among them. */
  async search(auth: AuthContext, query: UserSearchInput): Promise<User[]> {
    const rows = await this.usersRepository.searchByPrefix(query.search, query.limit, auth.userId);
    return rows.map(toUser);
  }
}
