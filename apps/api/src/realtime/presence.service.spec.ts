import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { loadConfig } from '../config/app-config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { PresenceService, type PresenceAnnouncement } from './presence.service.js';

/** A node without Redis: it applies the cross-node rules to its own counts. */
function singleNode() {
  const logger = createLogger('silent');
  const sut = new PresenceService(
    RedisConnection.open(undefined, logger),
    loadConfig({ JWT_SECRET: 'x'.repeat(32) }),
    logger,
  );
  const delivered: string[] = [];
  const snapshots: string[][] = [];
  sut.deliverTo({
    announcement: ({ userId, status }) => delivered.push(`${userId} ${status}`),
    snapshot: (_socketId, onlineUserIds) => snapshots.push(onlineUserIds),
  });
  return { sut, delivered, snapshots };
}

const announcement = (userId: string, status: 'online' | 'offline'): PresenceAnnouncement => ({
  userId,
  status,
  lastSeenAt: new Date().toISOString(),
  rooms: ['conversation:1'],
  except: [],
});

describe('PresenceService without Redis', () => {
  it('announces "online" once per stay, and "offline" when the last socket closes', async () => {
    const { sut, delivered } = singleNode();
    await sut.socketConnected('ann');
    await sut.socketConnected('ann');
    await sut.announce(announcement('ann', 'online'));
    await sut.announce(announcement('ann', 'online'));
    await sut.socketDisconnected(announcement('ann', 'offline'));
    expect(delivered).toEqual(['ann online']);

    await sut.socketDisconnected(announcement('ann', 'offline'));
    await sut.socketConnected('ann');
    await sut.announce(announcement('ann', 'online'));
    expect(delivered).toEqual(['ann online', 'ann offline', 'ann online']);
  });

  it('drops an announcement that is no longer true', async () => {
    const { sut, delivered } = singleNode();
    await sut.socketConnected('ann');
    await sut.socketDisconnected(announcement('ann', 'offline'));
    await sut.announce(announcement('ann', 'online'));
    await sut.socketConnected('bob');
    await sut.announce(announcement('bob', 'offline'));
    expect(delivered).toEqual(['ann offline']);
  });

  it('introduces a user to a new audience only while they hold a socket', async () => {
    const { sut, delivered } = singleNode();
    await sut.socketConnected('ann');
    await sut.socketConnected('bob');
    await sut.socketDisconnected(announcement('bob', 'offline'));
    await sut.introduce([
      { userId: 'ann', rooms: ['user:cid'] },
      { userId: 'ann', rooms: [] },
      { userId: 'bob', rooms: ['user:cid'] },
    ]);
    // An introduction is for a new audience: the user's own "online" still goes out once.
    await sut.announce(announcement('ann', 'online'));
    expect(delivered).toEqual(['bob offline', 'ann online', 'ann online']);
  });

  it('gives a new socket the peers who hold a socket, registered or connected', async () => {
    const { sut, snapshots } = singleNode();
    await sut.socketConnected('ann');
    await sut.socketConnected('bob');
    await sut.socketDisconnected(announcement('bob', 'offline'));
    await sut.sendSnapshot('socket-1', ['ann', 'bob', 'cid']);
    await sut.sendSnapshot('socket-2', ['bob']);
    expect(snapshots).toEqual([['ann']]);
  });
});
