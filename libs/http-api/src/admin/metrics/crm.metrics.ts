import type { AppendObservation, EventStoreObserver } from '@crm/event-store';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics, in a registry of its own (not prom-client's global one, so several
 * apps in one process, as in the tests, do not collide). Appends are counted as they happen (this is the
 * event store's observer); pipeline lag, rebuild progress and dead letters are gauges measured at scrape
 * time by PipelineMetrics.
 *
 * With several API processes (`crm serve --api-processes n`) each has this registry and a scrape adds theirs
 * up (MetricsController): counters and histograms are summed; the gauges, measured at scrape time from shared
 * state (the store, the checkpoints, the worker part's report), are taken from the scraped process (`first`).
 */
export class CrmMetrics implements EventStoreObserver {
  readonly registry = new Registry();

  readonly appendDuration = new Histogram({
    name: 'crm_event_store_append_duration_seconds',
    help: 'Time to append to one stream of the event store, by outcome (ok, conflict, error)',
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly appendBatch = new Histogram({
    name: 'crm_event_store_append_batch_events',
    help: 'Events per append (one customer stream per append)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });

  readonly appendedEvents = new Counter({
    name: 'crm_event_store_appended_events_total',
    help: 'Events appended by the API (all its processes)',
    registers: [this.registry],
  });

  readonly apiProcessRequests = new Counter({
    name: 'crm_api_process_requests_total',
    help: 'Requests taken by each API process of crm serve --api-processes n (n > 1)',
    labelNames: ['api_process'],
    registers: [this.registry],
  });

  readonly headPosition = this.gauge('crm_event_store_head_position', 'Global position of the newest event');
  readonly stagePosition = this.gauge('crm_pipeline_position', 'Last global position handled, by stage', [
    'stage',
    'kind',
  ]);
  readonly stageLagEvents = this.gauge(
    'crm_pipeline_lag_events',
    'Customer events in the store not handled yet by the stage (exact on SQLite; EventStoreDB counts up to its cap)',
    ['stage', 'kind'],
  );
  readonly stageLagSeconds = this.gauge(
    'crm_pipeline_lag_seconds',
    'Age of the oldest event the stage has not handled (0 when caught up)',
    ['stage', 'kind'],
  );
  readonly stageState = this.gauge(
    'crm_pipeline_stage_state',
    '1 for the state each stage is in (live, lagging, stalled, unavailable), 0 for the others',
    ['stage', 'kind', 'state'],
  );
  readonly projectionState = this.gauge(
    'crm_projection_state',
    '1 for the state each projection is in (live, lagging, stalled, rebuilding, failed), 0 for the others',
    ['projection', 'state'],
  );
  readonly rebuildProgress = this.gauge(
    'crm_projection_rebuild_progress_ratio',
    'Progress of the current or last rebuild, 0..1',
    ['projection'],
  );
  readonly rebuildEvents = this.gauge(
    'crm_projection_rebuild_events_applied',
    'Events applied by the current or last rebuild',
    ['projection'],
  );
  readonly rebuildRate = this.gauge(
    'crm_projection_rebuild_events_per_second',
    'Rate of the current or last rebuild',
    ['projection'],
  );
  readonly deadLettered = this.gauge(
    'crm_dead_lettered_events',
    'Messages in the dead-letter topic (Kafka), or dead-lettered by the in-process bus of this process',
    ['topic'],
  );

  // `crm serve`'s worker process (relay, projectors): its own memory and event loop, which this process's default
  // metrics do not see.
  readonly workerPartUp = this.gauge(
    'crm_worker_part_up',
    "1 while crm serve's worker process (relay and projectors) runs, 0 while it starts or restarts after a crash",
  );
  readonly workerPartRestarts = this.gauge(
    'crm_worker_part_restarts',
    "Times crm serve's worker process was started again after a crash, since the process started",
  );
  readonly workerPartHeap = this.gauge(
    'crm_worker_part_heap_used_bytes',
    "V8 heap used by crm serve's worker process, as it last reported",
  );
  readonly workerPartRss = this.gauge(
    'crm_worker_part_resident_memory_bytes',
    "Resident memory of crm serve's worker process, as it last reported",
  );
  readonly workerPartLoop = this.gauge(
    'crm_worker_part_event_loop_utilization',
    "Share of time crm serve's worker process's event loop was busy over its last report interval (0..1)",
  );

  readonly apiProcesses = this.gauge(
    'crm_api_processes',
    'API processes asked for (crm serve --api-processes, API_PROCESSES): 1 for a single API process',
  );
  readonly apiProcessesUp = this.gauge('crm_api_processes_up', 'API processes listening now');
  readonly apiProcessRestarts = this.gauge(
    'crm_api_process_restarts',
    'Times an API process was started again after a crash, all together, since the service started',
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'crm_' });
  }

  appended({ events, durationMs, outcome }: AppendObservation): void {
    this.appendDuration.observe({ outcome }, durationMs / 1000);
    if (outcome !== 'ok') return;
    this.appendBatch.observe(events);
    this.appendedEvents.inc(events);
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry], aggregator: 'first' });
  }
}
