import { Global, Module } from '@nestjs/common';
import { PresenceService } from './presence.service.js';
import { RealtimePublisher } from './realtime-publisher.js';

@Global()
@Module({
  providers: [RealtimePublisher, PresenceService],
  exports: [RealtimePublisher, PresenceService],
})
export class RealtimeModule {}
