import { EventIngestor, MarketingSpendDto, type MarketingSpendResult } from '@crm/ingest';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ApiProblems } from '../bootstrap/openapi/api-problems.decorator';
import { ApiProblem } from '../problems/api-problem';
import { invalidBodyProblem, requireJsonBody } from '../problems/ingest-problems';
import { MARKETING_SPEND_EXAMPLES } from './marketing-spend.examples';
import { MarketingSpendResponseDto } from './marketing-spend.responses';

/**
 * Marketing spend per campaign and channel over a period: not a customer fact, so it goes to the campaign's
 * own stream (`campaign-<campaign>`) through the same write path, with the same guarantees as customer
 * events (validated, idempotent by eventId, optimistic concurrency by expectedRevision).
 */
@ApiTags('marketing')
@RequiresScope('events:write')
@Controller('v1/marketing/spend')
export class MarketingSpendController {
  constructor(private readonly ingestor: EventIngestor) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Record marketing spend of a campaign on a channel over a period',
    description:
      'Appends MarketingSpendRecorded to the stream campaign-<campaign>. Retrying with the same eventId ' +
      'answers the original result and appends nothing. CAC and ROI divide this spend by the customers the ' +
      'campaign acquired (CustomerAcquired.data.campaign).',
  })
  @ApiBody({ type: MarketingSpendDto, examples: MARKETING_SPEND_EXAMPLES })
  @ApiResponse({ status: 201, description: 'Recorded (or replayed)', type: MarketingSpendResponseDto })
  @ApiProblems({
    409: 'REVISION_CONFLICT: the campaign stream is not at expectedRevision',
    422: 'SPEND_NOT_POSITIVE, SPEND_PERIOD_INVERTED (periodEnd before periodStart), INVALID_MONEY',
  })
  async record(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    requireJsonBody(req);
    const validation = this.ingestor.validateMarketingSpend(body);
    if (!validation.ok) throw invalidBodyProblem('Invalid marketing spend', validation.errors);
    const outcome = await this.ingestor.publishMarketingSpend(
      validation.spend,
      String(res.getHeader('x-correlation-id') ?? ''),
    );
    if (outcome.kind === 'rejected') {
      const { problem } = outcome;
      throw new ApiProblem(422, problem.code, 'Marketing spend rule broken', problem.message, [problem]);
    }
    if (outcome.kind === 'conflict') {
      const { problem } = outcome;
      throw new ApiProblem(
        409,
        problem.code,
        'Expected revision conflict',
        problem.message,
        [problem],
        {},
        {
          actualRevision: outcome.actualRevision,
        },
      );
    }
    return { results: [toResponse(outcome.result)] };
  }
}

const toResponse = (r: MarketingSpendResult) => ({
  eventId: r.eventId,
  campaign: r.campaign,
  type: r.type,
  streamRevision: r.streamRevision,
  globalPosition: r.globalPosition.toString(),
});
