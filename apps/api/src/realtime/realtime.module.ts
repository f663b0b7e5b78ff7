import { Global, Module } from '@nestjs/common';
import { PresenceService } from './presence.service.js';
import { RealtimePublisher } from './realtime-publisher.js';
import { SocketQuota } from './socket-quota.js';

@Global()
@Module({
  providers: [RealtimePublisher, PresenceService, SocketQuota],
  exports: [RealtimePublisher, PresenceService, SocketQuota],
})
export class RealtimeModule {}
