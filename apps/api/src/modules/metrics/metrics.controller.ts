import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/current-auth.decorator.js';
import { MetricsService } from './metrics.service.js';

@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metricsService: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): Promise<string> {
    return this.metricsService.render();
  }
}
