import { AppConfig } from '@crm/config';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiProblem } from '../problems/api-problem';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { EVENT_DTO_BY_TYPE, PublishBatchDto } from './dto/published-event.dto';
import { PublishedEventResult, PublishEventsCommand, PublishOutcome } from './publish-events.command';
import { validatePublishBody } from './published-event.validator';

const eventSchemas = Object.values(EVENT_DTO_BY_TYPE).map((dto) => ({ $ref: getSchemaPath(dto) }));

@ApiTags('events')
@ApiExtraModels(...Object.values(EVENT_DTO_BY_TYPE), PublishBatchDto)
@RequiresScope('events:write')
@Controller('v1/events')
export class PublishEventsController {
  constructor(
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
      oneOf: [...eventSchemas, { $ref: getSchemaPath(PublishBatchDto) }],
    },
  })
  @ApiResponse({
    status: 201,
    description: '{"results": [{eventId, customerId, type, streamRevision, globalPosition}]}',
  })
  @ApiResponse({
    status: 207,
    description: 'Some customers conflicted: {"results": [...], "failures": [...]}',
  })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED / MALFORMED_JSON (application/problem+json)' })
  @ApiResponse({ status: 409, description: 'REVISION_CONFLICT / DUPLICATE_EVENT_ID' })
  @ApiResponse({ status: 413, description: 'PAYLOAD_TOO_LARGE / BATCH_TOO_LARGE' })
  @ApiResponse({ status: 415, description: 'UNSUPPORTED_MEDIA_TYPE' })
  @ApiResponse({ status: 422, description: 'A lifecycle rule is broken (CUSTOMER_NOT_ACQUIRED, ...)' })
  async publish(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (!req.is('application/json') && !req.is('application/*+json')) {
      throw new ApiProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'Send application/json');
    }
    const validation = validatePublishBody(body, this.config.MAX_BATCH_EVENTS);
    if (!validation.ok) {
      if (validation.tooMany !== undefined) {
        throw new ApiProblem(
          413,
          'BATCH_TOO_LARGE',
          'Batch too large',
          `${validation.tooMany} events; at most ${this.config.MAX_BATCH_EVENTS} per request`,
        );
      }
      throw new ApiProblem(
        400,
        'VALIDATION_FAILED',
        'Invalid event',
        `${validation.errors.length} problem(s); nothing was appended`,
        validation.errors,
      );
    }
    const outcome = await this.commands.execute<PublishEventsCommand, PublishOutcome>(
      new PublishEventsCommand(validation.events, String(res.getHeader('x-correlation-id') ?? '')),
    );
    const results = outcome.results.map(toResponse);
    if (outcome.failures.length === 0) return { results };
    if (results.length === 0) throw failuresProblem(outcome, validation.events.length === 1);
    res.status(207);
    return { results, failures: outcome.failures };
  }
}

const toResponse = (r: PublishedEventResult) => ({
  eventId: r.eventId,
  customerId: r.customerId,
  type: r.type,
  streamRevision: r.streamRevision,
  globalPosition: r.globalPosition.toString(),
});

function failuresProblem(outcome: PublishOutcome, single: boolean): ApiProblem {
  const first = outcome.failures[0];
  const status = outcome.failures.every((f) => f.status === 409) ? 409 : 422;
  const errors = outcome.failures.flatMap((f) =>
    f.indexes.map((index) => ({
      ...(single ? {} : { index }),
      customerId: f.customerId,
      code: f.code,
      message: f.message,
    })),
  );
  return new ApiProblem(
    status,
    single ? first.code : status === 409 ? 'REVISION_CONFLICT' : 'LIFECYCLE_RULE_BROKEN',
    status === 409 ? 'Expected revision conflict' : 'Lifecycle rule broken',
    single ? first.message : 'No customer stream could be appended; nothing was appended',
    errors,
    {},
    first.actualRevision !== undefined && single ? { actualRevision: first.actualRevision } : {},
  );
}
