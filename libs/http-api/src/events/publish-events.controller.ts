import { AppConfig } from '@crm/config';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CommandBus } from '@nestjs/cqrs';
import {
  EVENT_DTO_BY_TYPE,
  EventIngestor,
  PublishBatchDto,
  PublishCustomerEventsCommand,
  publishedEventSchema,
  type PublishedEventResult,
} from '@crm/ingest';
import {
  publishProblem,
  requireJsonBody,
  toFailureBody,
  validationProblem,
} from '../problems/ingest-problems';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { PUBLISH_EVENTS_EXAMPLES } from './publish-events.examples';
import { PartialPublishResponseDto, PublishResponseDto } from './publish-events.responses';

@ApiTags('events')
@ApiExtraModels(...Object.values(EVENT_DTO_BY_TYPE), PublishBatchDto)
@RequiresScope('events:write')
@Controller('v1/events')
export class PublishEventsController {
  constructor(
    private readonly ingestor: EventIngestor,
    private readonly commands: CommandBus,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Publish one customer lifecycle event, or a batch of up to 1,000',
    description:
      'The whole batch is validated (schema and lifecycle rules) before anything is appended. Appends are ' +
      'atomic per customer stream: a revision conflict on one customer leaves the others appended (207). ' +
      'Retrying with the same eventId returns the original result and appends nothing.',
  })
  @ApiBody({
    schema: {
      oneOf: [publishedEventSchema(), { $ref: getSchemaPath(PublishBatchDto) }],
    },
    examples: PUBLISH_EVENTS_EXAMPLES,
  })
  @ApiResponse({ status: 201, description: 'Every event appended (or replayed)', type: PublishResponseDto })
  @ApiResponse({
    status: 207,
    description: 'Some customers conflicted; the others were appended',
    type: PartialPublishResponseDto,
  })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED / MALFORMED_JSON (application/problem+json)' })
  @ApiResponse({ status: 409, description: 'REVISION_CONFLICT / DUPLICATE_EVENT_ID' })
  @ApiResponse({ status: 413, description: 'PAYLOAD_TOO_LARGE / BATCH_TOO_LARGE' })
  @ApiResponse({ status: 415, description: 'UNSUPPORTED_MEDIA_TYPE' })
  @ApiResponse({ status: 422, description: 'A lifecycle rule is broken (CUSTOMER_NOT_ACQUIRED, ...)' })
  async publish(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    requireJsonBody(req);
    const validation = this.ingestor.validate(body);
    if (!validation.ok) throw validationProblem(validation, this.config.MAX_BATCH_EVENTS);
    const outcome = await this.commands.execute(
      new PublishCustomerEventsCommand(validation.events, {
        correlationId: String(res.getHeader('x-correlation-id') ?? ''),
      }),
    );
    const problem = publishProblem(outcome, validation.events.length === 1);
    if (problem) throw problem;
    if (outcome.kind !== 'appended') throw new Error('unreachable: a rejected publish is a problem');
    const results = outcome.results.map(toResponse);
    if (outcome.failures.length === 0) return { results };
    res.status(207);
    return { results, failures: outcome.failures.map(toFailureBody) };
  }
}

const toResponse = (r: PublishedEventResult) => ({
  eventId: r.eventId,
  customerId: r.customerId,
  type: r.type,
  streamRevision: r.streamRevision,
  globalPosition: r.globalPosition.toString(),
});
