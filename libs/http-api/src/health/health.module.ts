import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PipelineLagQuery } from '../admin/pipeline-lag.query';
import { AdapterHealthIndicators } from './adapter-health.indicators';
import { HealthController } from './health.controller';

/**
 * GET /health through @nestjs/terminus: an indicator per configured adapter. Terminus's own logging is off:
 * an unhealthy answer is a 503 problem the API logs like any other.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [AdapterHealthIndicators, PipelineLagQuery],
})
export class HealthModule {}
