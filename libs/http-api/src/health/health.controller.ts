import { WORKER_PART, WORKER_PART_MODES, WORKER_PART_STATES, type WorkerPartStatus } from '@crm/projections';
import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import { Public } from '../auth/requires-scope.decorator';
import { ApiJsonAnswer, ApiProblems } from '../bootstrap/openapi/api-problems.decorator';
import type { SchemaObject } from '../bootstrap/openapi/openapi-schemas';
import { ApiProblem } from '../problems/api-problem';
import { PipelineLagQuery } from '../admin/pipeline-lag.query';
import { AdapterHealthIndicators } from './adapter-health.indicators';

interface Check {
  readonly adapter: string;
  readonly status: 'up' | 'down';
  readonly error?: string;
}

/** Terminus's details as this API's `checks`: `{ name: { adapter, status, error? } }`, in probe order. */
function toChecks(details: HealthIndicatorResult): Record<string, Check> {
  return Object.fromEntries(
    Object.entries(details).map(([name, { status, adapter, error }]) => [
      name,
      { adapter: String(adapter), status: status === 'up' ? 'up' : 'down', ...(error ? { error } : {}) },
    ]),
  );
}

const CHECKS_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['adapter', 'status'],
    properties: {
      adapter: { type: 'string' },
      status: { type: 'string', enum: ['up', 'down'] },
      error: { type: 'string' },
    },
  },
};

const WORKER_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['mode', 'state', 'restarts'],
  properties: {
    mode: { type: 'string', enum: [...WORKER_PART_MODES] },
    state: { type: 'string', enum: [...WORKER_PART_STATES] },
    restarts: { type: 'integer', minimum: 0 },
    lastCrash: {
      type: 'object',
      required: ['at', 'error'],
      properties: { at: { type: 'string', format: 'date-time' }, error: { type: 'string' } },
    },
    nextStartAt: { type: 'string', format: 'date-time' },
  },
};

const API_PROCESSES_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'crm serve --api-processes n: some of its API processes are not listening (one crashed)',
  required: ['processes', 'up', 'restarts'],
  properties: {
    processes: { type: 'integer', minimum: 2 },
    up: { type: 'integer', minimum: 0 },
    restarts: { type: 'integer', minimum: 0 },
    lastCrash: {
      type: 'object',
      required: ['at', 'error', 'apiProcess'],
      properties: {
        at: { type: 'string', format: 'date-time' },
        error: { type: 'string' },
        apiProcess: { type: 'integer', minimum: 1 },
      },
    },
  },
};

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly terminus: HealthCheckService,
    private readonly indicators: AdapterHealthIndicators,
    private readonly pipeline: PipelineLagQuery,
    /** `crm serve`'s worker process, when this process hosts one. */
    @Optional() @Inject(WORKER_PART) private readonly workerPart?: WorkerPartStatus,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Readiness: 200 when every configured adapter answers, else 503 naming the one down',
  })
  @ApiJsonAnswer(200, 'Every adapter answers (degraded: a pipeline stage or the worker part is behind)', {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { type: 'string', enum: ['ok', 'degraded'] },
      checks: CHECKS_SCHEMA,
      pipeline: { type: 'object', additionalProperties: { type: 'object' } },
      worker: WORKER_SCHEMA,
      apiProcesses: API_PROCESSES_SCHEMA,
    },
  })
  @ApiProblems({ 503: 'UNHEALTHY: an adapter does not answer (checks names it; Retry-After)' })
  async health() {
    let result: HealthCheckResult;
    try {
      result = await this.terminus.check(this.indicators.all());
    } catch (error) {
      // Terminus answers "down" with a 503 carrying the whole result; ours is a problem+json with Retry-After.
      const response = error instanceof ServiceUnavailableException ? error.getResponse() : undefined;
      if (!response || typeof response !== 'object' || !('details' in response)) throw error;
      const checks = toChecks((response as HealthCheckResult).details);
      const down = Object.keys(checks).filter((name) => checks[name].status === 'down');
      throw new ApiProblem(
        503,
        'UNHEALTHY',
        'Service unhealthy',
        `Not answering: ${down.join(', ')}`,
        undefined,
        { 'Retry-After': '5' },
        { checks },
      );
    }
    const checks = toChecks(result.details);
    const behind = await this.stagesNotLive();
    const worker = this.workerPartNotRunning();
    const apiProcesses = this.apiProcessesDown();
    // Every adapter answers, but a stage does not keep up, or the worker part is restarting: still ready (200:
    // requests are answered and appends are durable; the projections catch up), and not "ok".
    if (!behind && !worker && !apiProcesses) return { status: 'ok', checks };
    return {
      status: 'degraded',
      checks,
      ...(behind ? { pipeline: behind } : {}),
      ...(worker ? { worker } : {}),
      ...(apiProcesses ? { apiProcesses } : {}),
    };
  }

  /** `crm serve --api-processes n` while some of them are not listening (a crashed one restarting). */
  private apiProcessesDown() {
    const api = this.workerPart?.snapshot().api;
    if (!api || api.up >= api.processes) return undefined;
    const { processes, up, restarts, lastCrash } = api;
    return { processes, up, restarts, ...(lastCrash ? { lastCrash } : {}) };
  }

  /** `crm serve`'s worker process when it is not running (crashed and waiting for its restart, starting). */
  private workerPartNotRunning() {
    const part = this.workerPart?.snapshot();
    if (!part || part.state === 'running') return undefined;
    return {
      mode: part.mode,
      state: part.state,
      restarts: part.restarts,
      ...(part.lastCrash ? { lastCrash: part.lastCrash } : {}),
      ...(part.nextStartAt ? { nextStartAt: part.nextStartAt } : {}),
    };
  }

  /** The pipeline's stages that are lagging, stalled or unreadable from here, with why; none: undefined. */
  private async stagesNotLive() {
    const stages = await this.pipeline.stages().catch(() => []);
    const behind = stages.filter((s) => s.state !== 'live');
    if (behind.length === 0) return undefined;
    return Object.fromEntries(
      behind.map((s) => [
        s.name,
        { state: s.state, lagEvents: s.lagEvents, lagMs: s.lagMs, ...(s.reason ? { reason: s.reason } : {}) },
      ]),
    );
  }
}
