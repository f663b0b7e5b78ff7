import { Injectable } from '@nestjs/common';
import { userRoom, type PresenceEvent, type PresenceVisibility } from '@parley/protocol';
import { PresenceService } from '../../realtime/presence.service.js';
import { RealtimePublisher } from '../../realtime/realtime-publisher.js';
import { PrivacyRepository, type PresenceRule } from './privacy.repository.js';

/** Who may see whose presence, among a set of users (e.g. the members of one conversation). */
export class PresenceRules {
  constructor(private readonly rules: Map<string, PresenceRule>) {}

  /** True when `subjectId` uses the default setting: their presence may go to whole rooms. */
  isDefault(subjectId: string): boolean {
    return !this.rules.has(subjectId);
  }

  canSee(viewerId: string, subjectId: string): boolean {
    const rule = this.rules.get(subjectId);
    if (!rule) return true;
    return rule.visibility === 'contacts' && rule.contactIds.has(viewerId);
  }

  /**
   * Those among `candidateIds` who may see `subjectId`. For a non-default setting this walks
   * the subject's contacts, not the candidates: a big group costs no more than its contacts.
   */
  viewersAmong(subjectId: string, candidateIds: ReadonlySet<string>): string[] {
    const rule = this.rules.get(subjectId);
    if (!rule) return [...candidateIds].filter((viewerId) => viewerId !== subjectId);
    if (rule.visibility === 'nobody') return [];
    return [...rule.contactIds].filter((viewerId) => candidateIds.has(viewerId));
  }
}

/**
 * The one place that decides who hears about a user's presence (contract section 9). Users with
 * the default setting cost what they always did, one emit to their conversation rooms; only a
 * non-default setting pays for a computed audience.
 */
@Injectable()
export class PresenceAudience {
  constructor(
    private readonly privacyRepository: PrivacyRepository,
    private readonly presenceService: PresenceService,
    private readonly publisher: RealtimePublisher,
  ) {}

  /**
   * The rooms that may hear `subject` come online or go offline. `conversationRooms` are the
   * conversation rooms of the subject's socket, the audience under the default setting;
   * otherwise the rooms of the users the setting lets see them.
   */
  async roomsOf(
    subject: { userId: string; presence: PresenceVisibility },
    conversationRooms: string[],
  ): Promise<string[]> {
    if (subject.presence === 'everyone') return conversationRooms;
    if (subject.presence === 'nobody') return [];
    const audience = await this.privacyRepository.findPresenceAudience(
      subject.userId,
      subject.presence,
    );
    return audience.map(userRoom);
  }

  /**
   * The sender's first message in a direct conversation made the other member their contact:
   * under `contacts` that one may now see them, and hears at once that they are online (unless
   * they no longer are by the time it goes out).
   */
  async contactGained(senderId: string, conversationId: string): Promise<void> {
    const viewerIds = await this.privacyRepository.findNewContactViewers(senderId, conversationId);
    if (viewerIds.length === 0) return;
    await this.presenceService.introduce([{ userId: senderId, rooms: viewerIds.map(userRoom) }]);
  }

  /** The presence rules among `userIds`: one query, whatever their settings. */
  async rulesAmong(userIds: string[]): Promise<PresenceRules> {
    return new PresenceRules(await this.privacyRepository.findPresenceRules(userIds));
  }

  /**
   * Applies a changed presence setting at once: the user's sockets on every node learn it, and
   * while the user is online, those who can no longer see them hear "offline" and those who now
   * can hear "online".
   */
  async visibilityChanged(
    userId: string,
    previous: PresenceVisibility,
    current: PresenceVisibility,
  ): Promise<void> {
    this.publisher.setPresenceVisibility(userId, current);
    const [online] = await this.presenceService.onlineAmong([userId]);
    if (!online) return;
    const [before, after] = await Promise.all([
      this.privacyRepository.findPresenceAudience(userId, previous),
      this.privacyRepository.findPresenceAudience(userId, current),
    ]);
    const seenBefore = new Set(before);
    const seenAfter = new Set(after);
    const lost = before.filter((viewerId) => !seenAfter.has(viewerId));
    const gained = after.filter((viewerId) => !seenBefore.has(viewerId));
    // Those who lost sight see the user go offline now, as if they had left: a v1 client
    // reads `lastSeenAt` as a time, and the moment is no secret to someone watching live.
    this.publisher.toRooms(
      { rooms: lost.map(userRoom) },
      'presence',
      presenceEvent(userId, 'offline'),
    );
    // Through the ordered path: it cannot land after the user's "offline".
    await this.presenceService.introduce([{ userId, rooms: gained.map(userRoom) }]);
  }
}

function presenceEvent(userId: string, status: PresenceEvent['status']): PresenceEvent {
  return { userId, status, lastSeenAt: new Date().toISOString() };
}
