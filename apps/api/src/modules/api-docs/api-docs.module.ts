import { Module } from '@nestjs/common';
import { ApiDocsController } from './api-docs.controller.js';
import { ApiDocsRateLimitGuard } from './api-docs-rate-limit.guard.js';

@Module({
  controllers: [ApiDocsController],
  providers: [ApiDocsRateLimitGuard],
})
export class ApiDocsModule {}
