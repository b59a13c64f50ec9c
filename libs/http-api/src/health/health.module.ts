import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AdapterHealthIndicators } from './adapter-health.indicators';
import { HealthController } from './health.controller';

/**
 * GET /health through @nestjs/terminus: an indicator per configured adapter. Terminus's own logging is off:
 * an unhealthy answer is a 503 problem the API logs like any other.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [AdapterHealthIndicators],
})
export class HealthModule {}
