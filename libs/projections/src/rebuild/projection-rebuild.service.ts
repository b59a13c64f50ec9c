import { AppConfig } from '@crm/config';
import { EVENT_STORE, EventStore } from '@crm/event-store';
import {
  ProjectionRebuilder,
  READ_MODEL_DATA_SOURCE,
  RebuildLeases,
  UnknownProjectionError,
  type RebuildableProjection,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildRecord,
  type RebuildResult,
} from '@crm/read-model';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Every projection that can be rebuilt, in the order `crm replay all` runs them. */
export const REBUILDABLE_PROJECTIONS = Symbol('REBUILDABLE_PROJECTIONS');

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<RebuildResult | undefined>;
  progress?: RebuildProgress;
}

/**
 * Runs projection rebuilds in this process: in the foreground for `crm replay`, in the background for
 * `POST /v1/admin/projections/{name}/rebuild`. The lease in the read-model database (not this service) is
 * what allows one rebuild of a projection at a time across processes; this service only tracks its own
 * runs, so that shutdown can stop them between batches (they resume on the next run).
 */
@Injectable()
export class ProjectionRebuildService implements OnApplicationShutdown {
  private readonly logger = new Logger('ProjectionRebuild');
  private readonly rebuilder: ProjectionRebuilder;
  private readonly leases: RebuildLeases;
  private readonly running = new Map<string, Running>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DATA_SOURCE) readModel: DataSource,
    @Inject(REBUILDABLE_PROJECTIONS) private readonly projections: readonly RebuildableProjection[],
    private readonly config: AppConfig,
  ) {
    this.rebuilder = new ProjectionRebuilder(store, readModel, {
      owner: config.workerId,
      leaseTtlMs: config.REBUILD_LEASE_TTL_MS,
    });
    this.leases = new RebuildLeases(readModel);
  }

  names(): string[] {
    return this.projections.map((p) => p.name);
  }

  /** By name or alias; UnknownProjectionError otherwise. */
  projection(name: string): RebuildableProjection {
    const found = this.projections.find((p) => p.name === name || p.aliases?.includes(name));
    if (!found) throw new UnknownProjectionError(name, this.names());
    return found;
  }

  /** Rebuilds and waits for the end (the CLI). */
  run(name: string, options: RebuildOptions = {}): Promise<RebuildResult> {
    return this.rebuilder.rebuild(this.projection(name), {
      ...options,
      batchSize: options.batchSize ?? this.config.REBUILD_BATCH_SIZE,
    });
  }

  /**
   * Starts a rebuild in the background and resolves once it holds the lease (RebuildAlreadyRunningError
   * otherwise), with where it starts from. Its end is logged; its progress is in `projection_rebuilds`.
   */
  start(name: string, options: Omit<RebuildOptions, 'signal' | 'onStarted'> = {}): Promise<RebuildProgress> {
    const projection = this.projection(name);
    name = projection.name;
    const controller = new AbortController();
    return new Promise<RebuildProgress>((resolve, reject) => {
      const entry: Running = {
        controller,
        done: this.rebuilder
          .rebuild(projection, {
            ...options,
            batchSize: options.batchSize ?? this.config.REBUILD_BATCH_SIZE,
            signal: controller.signal,
            onStarted: (progress) => {
              entry.progress = progress;
              this.running.set(name, entry); // only once it holds the lease: a refused start is not a run
              resolve(progress);
            },
            onProgress: (progress) => {
              entry.progress = progress;
              options.onProgress?.(progress);
            },
          })
          .then(
            (result) => {
              this.logger.log(
                `Rebuilt ${name}: ${result.eventsApplied} events up to position ${result.position} ` +
                  `in ${result.elapsedMs} ms${result.resumed ? ` (resumed at ${result.startPosition})` : ''}`,
              );
              return result;
            },
            (error: unknown) => {
              // Before it started (lease held elsewhere, store down): the caller gets the error. After: logged.
              if (entry.progress === undefined) reject(error);
              else this.logger.error(`Rebuild of ${name} stopped: ${(error as Error).message}`);
              return undefined;
            },
          )
          .finally(() => {
            if (this.running.get(name) === entry) this.running.delete(name);
          }),
      };
    });
  }

  /**
   * Stops this process's rebuild of `name` after the batch in hand and waits for it; its shadow stays for
   * the next run to resume. False if this process was not rebuilding it.
   */
  async stop(name: string): Promise<boolean> {
    const run = this.running.get(this.projection(name).name);
    if (!run) return false;
    run.controller.abort();
    await run.done;
    return true;
  }

  /** The last (or current) rebuild of each projection, from the lease table (all processes). */
  async records(): Promise<Map<string, RebuildRecord>> {
    return new Map((await this.leases.list()).map((r) => [r.projection, r]));
  }

  /** Waits for this process's background rebuild of `name`, if any (tests, shutdown). */
  async settled(name: string): Promise<RebuildResult | undefined> {
    return this.running.get(name)?.done;
  }

  headPosition(): Promise<bigint> {
    return this.store.headPosition();
  }

  async onApplicationShutdown(): Promise<void> {
    const runs = [...this.running.values()];
    for (const run of runs) run.controller.abort();
    await Promise.all(runs.map((run) => run.done));
  }
}
