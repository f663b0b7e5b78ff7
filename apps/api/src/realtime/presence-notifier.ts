import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { conversationRoom, userRoom, type PresenceEvent } from '@parley/protocol';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logger.js';
import { PresenceAudience } from '../modules/privacy/presence-audience.js';
import {
  PresenceService,
  type PresenceAnnouncement,
  type PresenceIntroduction,
} from './presence.service.js';
import { RealtimePublisher, type SocketData } from './realtime-publisher.js';
import { SocketContextRepository } from './socket-context.repository.js';

// Introductions in a big group are many to build: other work gets the event loop between
// batches, so the change never stalls the node for long.
const INTRODUCTIONS_PER_TURN = 16;

/** Whose presence changes, with their setting at that moment. */
export type PresenceSubject = Pick<SocketData, 'userId' | 'presence'>;

/**
 * Tells people who is online: the announcements of sockets that come and go, the introductions
 * of members who start sharing a conversation, and the delivery of both to this node's sockets
 * through the publisher. `PresenceService` keeps the order across nodes (its Lua scripts and one
 * Redis channel); `PresenceAudience` decides who may hear.
 */
@Injectable()
export class PresenceNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly presenceService: PresenceService,
    private readonly presenceAudience: PresenceAudience,
    private readonly publisher: RealtimePublisher,
    private readonly socketContextRepository: SocketContextRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Hands presence from every node to this node's sockets: once the publisher has the server. */
  start(): void {
    this.presenceService.onWentOfflineElsewhere((userIds) => {
      this.track(this.announceOffline(userIds));
    });
    this.presenceService.deliverTo({
      announcement: ({ userId, status, lastSeenAt, rooms, except }) =>
        this.publisher.toLocalRooms({ rooms, exceptSocketIds: except }, 'presence', {
          userId,
          status,
          lastSeenAt,
        }),
      snapshot: (socketId, onlineUserIds) => {
        const lastSeenAt = new Date().toISOString();
        for (const userId of onlineUserIds) {
          this.publisher.toLocalSocket(socketId, 'presence', {
            userId,
            status: 'online',
            lastSeenAt,
          });
        }
      },
    });
  }

  /**
   * The socket's client has seen `connect`: only now may peers hear that the user is online, and
   * the socket hear who is online (some clients drop events that come before `connect`).
   */
  socketOnline(
    subject: PresenceSubject,
    rooms: string[],
    socketId: string,
    peerIds: string[],
  ): void {
    this.track(this.announce(subject, rooms, 'online', socketId));
    this.track(this.presenceService.sendSnapshot(socketId, peerIds));
  }

  /** Takes one socket out of presence; peers hear "offline" if it was the user's last one. */
  socketGone(subject: PresenceSubject, rooms: string[]): void {
    this.track(
      this.announcement(subject, rooms, 'offline').then((offline) =>
        this.presenceService.socketDisconnected(offline),
      ),
    );
  }

  /**
   * Members who share a conversation see each other's presence, as far as their privacy
   * settings allow. Each online newcomer is announced to the whole room, each other online
   * member to the newcomers' rooms: one introduction per online member, however many joined.
   * Only a member with a non-default presence setting gets a computed audience, its contacts
   * among the members (or nobody), so the work stays linear in the members. The introductions
   * take the ordered presence path, so one whose subject went offline meanwhile is dropped.
   */
  async introduceMembers(
    conversationId: string,
    memberIds: string[],
    newcomerIds: string[],
  ): Promise<void> {
    const newcomers = new Set(newcomerIds);
    const everyone = new Set(memberIds);
    const newcomerRooms = newcomerIds.map(userRoom);
    const [online, rules] = await Promise.all([
      this.presenceService.onlineAmong(memberIds),
      this.presenceAudience.rulesAmong(memberIds),
    ]);
    const introductions: PresenceIntroduction[] = [];
    for (const [index, userId] of online.entries()) {
      if (index > 0 && index % INTRODUCTIONS_PER_TURN === 0) await nextTurn();
      const isNewcomer = newcomers.has(userId);
      let rooms: string[];
      if (!rules.isDefault(userId)) {
        rooms = rules.viewersAmong(userId, isNewcomer ? everyone : newcomers).map(userRoom);
      } else if (isNewcomer) {
        rooms = [conversationRoom(conversationId)];
      } else {
        rooms = newcomerRooms;
      }
      introductions.push({ userId, rooms });
    }
    await this.presenceService.introduce(introductions);
  }

  /** Resolves once every presence update started so far has finished (shutdown waits for it). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.pending);
  }

  /**
   * Tells peers, through PresenceService: it keeps each user's announcements in order across
   * nodes and drops those no longer true.
   */
  private async announce(
    subject: PresenceSubject,
    rooms: string[],
    status: PresenceEvent['status'],
    exceptSocketId?: string,
  ): Promise<void> {
    const announcement = await this.announcement(subject, rooms, status, exceptSocketId);
    if (announcement.rooms.length === 0) return;
    await this.presenceService.announce(announcement);
  }

  /**
   * Presence goes to the rooms of the user's conversations only, never to everyone, and only to
   * those the user's privacy setting lets see it. `lastSeenAt` is when this node saw the change.
   * An audience that cannot be found is nobody: a socket must still leave presence.
   */
  private async announcement(
    subject: PresenceSubject,
    rooms: string[],
    status: PresenceEvent['status'],
    exceptSocketId?: string,
  ): Promise<PresenceAnnouncement> {
    const { userId, presence } = subject;
    const lastSeenAt = new Date().toISOString();
    const except = exceptSocketId ? [exceptSocketId] : [];
    const audienceRooms = await this.presenceAudience
      .roomsOf({ userId, presence }, rooms)
      .catch((error: unknown) => {
        this.logger.warn({ err: error }, 'presence audience not found');
        return [];
      });
    return { userId, status, lastSeenAt, rooms: audienceRooms, except };
  }

  /** Users taken offline without their rooms at hand: tell the peers in their conversations. */
  private async announceOffline(userIds: string[]): Promise<void> {
    const subjects = await this.socketContextRepository.findPresenceSubjects(userIds);
    await Promise.all(
      subjects.map((subject) =>
        this.announce(subject, subject.conversationIds.map(conversationRoom), 'offline'),
      ),
    );
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) =>
      this.logger.warn({ err: error }, 'presence update failed'),
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }
}
