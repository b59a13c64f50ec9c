import { AnalyticsSchema } from '@crm/analytics';
import { CustomerScoresJob } from '@crm/projections';
import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiProblems } from '../../bootstrap/openapi/api-problems.decorator';
import { RequiresScope } from '../../auth/requires-scope.decorator';
import { AnalyticsReadiness } from '../../analytics/analytics-readiness';
import { SCORING_RUN_SCHEMA } from '../customer-360.openapi';

/**
 * The scoring job on demand (the worker also runs it every SCORING_INTERVAL_MS). Synchronous: answers when
 * every customer is scored, so a caller can read the Customer 360 right after (a run longer than
 * REQUEST_TIMEOUT_MS is answered 503 REQUEST_TIMEOUT and goes on). A run in progress in this process is
 * joined, not started twice.
 */
@ApiTags('operations')
@RequiresScope('admin')
@Controller('v1/admin/scores')
export class CustomerScoresController {
  private readonly readiness: AnalyticsReadiness;

  constructor(
    private readonly job: CustomerScoresJob,
    schema: AnalyticsSchema,
  ) {
    this.readiness = new AnalyticsReadiness(schema);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Score every customer now: predicted CLV, P(alive), RFM segment, portfolio action into Customer 360',
    description:
      'Fits (or reuses, when the analytics data has not moved) the CLV model as of today in SCORING_CURRENCY ' +
      "and copies each customer's values into the read model. `skipped` when the data cannot support a model.",
  })
  @ApiJsonAnswer(200, 'The run: model, customers scored, older scores removed', SCORING_RUN_SCHEMA)
  @ApiProblems({
    503: 'ANALYTICS_UNAVAILABLE: the analytics store is not in this process or not reachable (Retry-After)',
  })
  refresh() {
    this.readiness.check();
    return this.job.run();
  }
}
