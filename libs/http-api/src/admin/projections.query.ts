import { CUSTOMER_READ_MODEL_PROJECTION, measureProgress, type RebuildRecord } from '@crm/read-model';
import { Injectable } from '@nestjs/common';
import { ProjectionRebuildService } from '@crm/projections';
import { PipelineLagQuery, type StageLag } from './pipeline-lag.query';

export type ProjectionState = 'live' | 'lagging' | 'stalled' | 'rebuilding' | 'failed';

export interface RebuildView {
  readonly status: RebuildRecord['status'];
  readonly owner: string | null;
  readonly startedAt: string | null;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
  /** While running: until when the owner holds the lease (it renews it every few seconds). */
  readonly leaseExpiresAt: string | null;
  /** Where this run started: above 0 when it resumed an interrupted one. */
  readonly startPosition: string | null;
  readonly position: string | null;
  readonly targetPosition: string | null;
  readonly eventsApplied: number;
  /** 0..1 by position. */
  readonly progress: number;
  readonly eventsPerSecond: number;
  readonly etaMs: number | null;
}

export interface ProjectionStatus extends Omit<StageLag, 'kind' | 'details' | 'state' | 'reason'> {
  readonly aliases: readonly string[];
  /**
   * `rebuilding` while a rebuild holds its lease; `failed` when the last rebuild failed or its owner died
   * (the old projection still serves; the next rebuild resumes its shadow), or its store cannot be read;
   * otherwise the live projection's stage state: `live`, `lagging` or `stalled` (see StageState).
   */
  readonly state: ProjectionState;
  /** The last (or current) rebuild, null if there never was one. */
  readonly rebuild: RebuildView | null;
  readonly failure: { readonly reason: string; readonly at: string } | null;
}

const str = (value: bigint | undefined) => (value === undefined ? null : value.toString());

/** Each rebuildable projection: live position and lag (as /v1/admin/pipeline measures them) and rebuild state. */
@Injectable()
export class ProjectionsQuery {
  constructor(
    private readonly lag: PipelineLagQuery,
    private readonly rebuilds: ProjectionRebuildService,
  ) {}

  async list(now = Date.now()): Promise<ProjectionStatus[]> {
    const [head, records] = await Promise.all([this.rebuilds.headPosition(), this.rebuilds.records()]);
    return Promise.all(this.rebuilds.names().map((name) => this.status(name, head, records.get(name), now)));
  }

  /** One projection by name or alias (UnknownProjectionError otherwise). */
  async one(name: string, now = Date.now()): Promise<ProjectionStatus> {
    const projection = this.rebuilds.projection(name);
    const [head, records] = await Promise.all([this.rebuilds.headPosition(), this.rebuilds.records()]);
    return this.status(projection.name, head, records.get(projection.name), now);
  }

  private async status(
    name: string,
    head: bigint,
    record: RebuildRecord | undefined,
    now: number,
  ): Promise<ProjectionStatus> {
    const projection = this.rebuilds.projection(name);
    // A store this process cannot read (the embedded analytics engine held by another process) is reported
    // as this projection's failure, not as a failure of the whole list.
    let unreadable: string | undefined;
    const live = await projection.livePosition().catch((error: unknown) => {
      unreadable = `its store cannot be read: ${(error as Error).message ?? String(error)}`;
      return undefined;
    });
    const {
      kind: _kind,
      details: _details,
      state: stageState,
      reason: stalledBecause,
      ...lag
    } = await this.lag.lag(
      name,
      'projection',
      name === CUSTOMER_READ_MODEL_PROJECTION ? (await this.lag.readModelPosition(live)).position : live,
      head,
      now,
    );
    const running = record?.status === 'running';
    const died = running && record.leaseExpiresAt < now;
    const failure = unreadable
      ? { reason: unreadable, at: new Date(now).toISOString() }
      : record?.status === 'failed'
        ? { reason: record.error ?? 'unknown', at: record.finishedAt ?? record.updatedAt }
        : died
          ? {
              reason: `rebuild owner ${record.owner} stopped renewing its lease (it died?); the next rebuild resumes its shadow`,
              at: new Date(record.leaseExpiresAt).toISOString(),
            }
          : stageState === 'stalled'
            ? { reason: `stalled: ${stalledBecause}`, at: new Date(now).toISOString() }
            : null;
    return {
      ...lag,
      aliases: projection.aliases ?? [],
      state:
        failure && stageState !== 'stalled'
          ? 'failed'
          : running
            ? 'rebuilding'
            : stageState === 'unavailable'
              ? 'failed'
              : stageState,
      rebuild: record ? this.view(record, now) : null,
      failure,
    };
  }

  private view(r: RebuildRecord, now: number): RebuildView {
    const startPosition = r.startPosition ?? 0n;
    const position = r.position ?? startPosition;
    const ended = r.finishedAt
      ? Date.parse(r.finishedAt)
      : r.status === 'running'
        ? now
        : Date.parse(r.updatedAt);
    const measured = measureProgress({
      projection: r.projection,
      startPosition,
      position,
      targetPosition: r.targetPosition ?? position,
      eventsApplied: r.eventsApplied,
      elapsedMs: r.startedAt ? Math.max(0, ended - Date.parse(r.startedAt)) : 0,
      phase: r.status === 'completed' ? 'done' : 'building',
    });
    return {
      status: r.status,
      owner: r.owner,
      startedAt: r.startedAt,
      updatedAt: r.updatedAt,
      finishedAt: r.finishedAt,
      leaseExpiresAt: r.status === 'running' ? new Date(r.leaseExpiresAt).toISOString() : null,
      startPosition: str(r.startPosition),
      position: str(r.position),
      targetPosition: str(r.targetPosition),
      eventsApplied: r.eventsApplied,
      progress: measured.fraction,
      eventsPerSecond: Math.round(measured.eventsPerSecond),
      etaMs: r.status === 'running' ? (measured.etaMs ?? null) : null,
    };
  }
}
