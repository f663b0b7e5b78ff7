import { Module } from '@nestjs/common';
import { Access } from './access.js';
import { AccessRepository } from './access.repository.js';

@Module({
  providers: [Access, AccessRepository],
  exports: [Access],
})
export class AccessModule {}
