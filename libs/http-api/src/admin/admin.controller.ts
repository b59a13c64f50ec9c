import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiProblems, linkTo } from '../bootstrap/openapi/api-problems.decorator';
import { type SchemaObject } from '../bootstrap/openapi/openapi-schemas';
import type { Response } from 'express';
import { ProjectionRebuildService } from '@crm/projections';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { PipelineLagQuery } from './pipeline-lag.query';
import { ProjectionsQuery } from './projections.query';
import { rebuildOptions, rebuildProblem } from './rebuild-problems';

/** A stage or projection: where it stands against the head of the store (details vary by kind). */
const STAGE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'position', 'headPosition', 'lagEvents'],
  properties: {
    name: { type: 'string' },
    position: { type: 'string', nullable: true },
    headPosition: { type: 'string' },
    lagEvents: { type: 'integer', minimum: 0 },
    lagMs: { type: 'number', nullable: true },
  },
};
const PROJECTION_SCHEMA: SchemaObject = {
  ...STAGE_SCHEMA,
  required: [...(STAGE_SCHEMA.required ?? []), 'state'],
  properties: {
    ...STAGE_SCHEMA.properties,
    state: { type: 'string' },
    rebuild: { type: 'object', nullable: true },
  },
};
/**
 * The projections a serving process knows, by name or alias: any other name is 404 UNKNOWN_PROJECTION (so is
 * `analytics` where the process has no analytical store).
 */
const PROJECTION_NAME_PARAM = {
  name: 'name',
  example: 'customer-read-model',
  enum: ['customer-read-model', 'read-model', 'analytics'],
};

const UNKNOWN_PROJECTION = 'UNKNOWN_PROJECTION: no projection by that name or alias (projections lists them)';

@ApiTags('operations')
@RequiresScope('admin')
@Controller('v1/admin')
export class AdminController {
  constructor(
    private readonly lag: PipelineLagQuery,
    private readonly projections: ProjectionsQuery,
    private readonly rebuilds: ProjectionRebuildService,
  ) {}

  @Get('pipeline')
  @ApiOperation({
    summary: 'Position and lag (events, milliseconds) of the relay and of each projection',
    description:
      'Measured against the head of the event store. lagMs is the age of the oldest event not handled yet.',
  })
  @ApiJsonAnswer(200, 'The relay and every projection', {
    type: 'object',
    required: ['stages'],
    properties: { stages: { type: 'array', items: STAGE_SCHEMA } },
  })
  async pipeline() {
    return { stages: await this.lag.stages() };
  }

  @Get('projections')
  @ApiOperation({
    summary: 'Each projection: position, lag, and state (live, rebuilding with progress, failed with reason)',
  })
  @ApiJsonAnswer(
    200,
    'Every projection',
    {
      type: 'object',
      required: ['projections'],
      properties: { projections: { type: 'array', items: PROJECTION_SCHEMA } },
    },
    {
      FirstProjection: linkTo('get', '/v1/admin/projections/{name}', {
        name: '$response.body#/projections/0/name',
      }),
    },
  )
  async listProjections() {
    return { projections: await this.projections.list() };
  }

  @Get('projections/:name')
  @ApiOperation({ summary: 'One projection (by name or alias): where a rebuild of it stands' })
  @ApiParam(PROJECTION_NAME_PARAM)
  @ApiJsonAnswer(200, 'The projection', PROJECTION_SCHEMA)
  @ApiProblems({ 404: UNKNOWN_PROJECTION })
  async projection(@Param('name') name: string) {
    try {
      return await this.projections.one(name);
    } catch (error) {
      throw rebuildProblem(error);
    }
  }

  @Post('projections/:name/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild a projection from the event store while it keeps serving (202; 409 if one is running)',
    description:
      'Builds into shadow tables from the event store, then swaps them in atomically. Resumes the shadow of ' +
      'an unfinished rebuild unless fromScratch. Follow it at the Location (GET /v1/admin/projections/{name}).',
  })
  @ApiParam(PROJECTION_NAME_PARAM)
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fromScratch: { type: 'boolean' },
        batchSize: { type: 'integer', minimum: 1, maximum: 100000 },
      },
    },
  })
  @ApiJsonAnswer(
    202,
    'Started: the projection with its rebuild (follow it at the Location)',
    PROJECTION_SCHEMA,
    { Progress: linkTo('get', '/v1/admin/projections/{name}', { name: '$response.body#/name' }) },
  )
  @ApiProblems({
    404: UNKNOWN_PROJECTION,
    409: 'REBUILD_ALREADY_RUNNING: a rebuild of it holds the lease (owner, leaseExpiresAt)',
  })
  async rebuild(
    @Param('name') name: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const options = rebuildOptions(body);
    try {
      const projection = this.rebuilds.projection(name).name;
      // Resolves once this process holds the lease (409 otherwise); the rebuild goes on in the background.
      await this.rebuilds.start(projection, options);
      res.location(`/v1/admin/projections/${encodeURIComponent(projection)}`);
      return await this.projections.one(projection);
    } catch (error) {
      throw rebuildProblem(error);
    }
  }
}
