import { Injectable } from '@nestjs/common';

/** Which users have at least one socket on this node. */
@Injectable()
export class PresenceService {
  private readonly socketCounts = new Map<string, number>();

  /** Counts a new socket; true when it is the user's first, i.e. they came online. */
  socketConnected(userId: string): boolean {
    const count = (this.socketCounts.get(userId) ?? 0) + 1;
    this.socketCounts.set(userId, count);
    return count === 1;
  }

  /** Counts a closed socket; true when it was the user's last, i.e. they went offline. */
  socketDisconnected(userId: string): boolean {
    const count = (this.socketCounts.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.socketCounts.set(userId, count);
      return false;
    }
    this.socketCounts.delete(userId);
    return true;
  }

  onlineAmong(userIds: string[]): string[] {
    return userIds.filter((userId) => this.socketCounts.has(userId));
  }
}
