import { Module } from '@nestjs/common';
import { PrivacyModule } from '../modules/privacy/privacy.module.js';
import { PresenceNotifier } from './presence-notifier.js';
import { SocketContextRepository } from './socket-context.repository.js';

/**
 * Apart from the global `RealtimeModule`: the notifier needs the privacy rules, and privacy
 * needs the global module (see docs/architecture.md, "Where the real-time layer lives").
 */
@Module({
  imports: [PrivacyModule],
  providers: [PresenceNotifier, SocketContextRepository],
  exports: [PresenceNotifier, SocketContextRepository],
})
export class PresenceNotifierModule {}
