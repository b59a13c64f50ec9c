import { ANALYTICS_CLIENT, pingAnalytics, type AnalyticsClient } from '@crm/analytics';
import { AppConfig } from '@crm/config';
import { EVENT_STORE, EventStore } from '@crm/event-store';
import { BUS, Bus } from '@crm/messaging';
import { WORKER_PART, type WorkerPartStatus } from '@crm/projections';
import { READ_MODEL_DATA_SOURCE } from '@crm/read-model';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** A hung server is down too: every probe answers within this. */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * One terminus health indicator per adapter this process has configured: the event store and the read model
 * always, the analytics store and the bus where they are wired in (the bus when the worker runs in this
 * process, `crm serve`). Each result names the adapter behind it (sqlite, postgresql, kafka, chdb, ...).
 */
@Injectable()
export class AdapterHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_DATA_SOURCE) private readonly readModel: DataSource,
    @Optional() @Inject(BUS) private readonly bus?: Bus,
    @Optional() @Inject(ANALYTICS_CLIENT) private readonly analytics?: AnalyticsClient,
    /** `crm serve`'s worker process: the bus lives there, and it reports its ping. */
    @Optional() @Inject(WORKER_PART) private readonly workerPart?: WorkerPartStatus,
  ) {}

  /** In the order of the response's `checks`. */
  all(): HealthIndicatorFunction[] {
    const { analytics, bus } = this;
    return [
      () =>
        this.probe('eventStore', this.config.EVENTSTORE_URL ? 'eventstoredb' : 'sqlite', () =>
          this.store.ping(),
        ),
      () =>
        this.probe('readModel', this.config.DATABASE_URL ? 'postgresql' : 'sqlite', () =>
          this.readModel.query('SELECT 1'),
        ),
      // Another process's store (the split deployment's worker owns the embedded engine) is not this one's
      // to probe: the pipeline's analytics stage reports it instead. Nor is it while `crm serve`'s worker
      // process, which holds the engine, restarts: /health says `worker` then.
      ...(analytics && !analytics.elsewhere && this.workerPartRunning()
        ? [
            () =>
              this.probe('analytics', analytics.engine === 'server' ? 'clickhouse' : 'chdb', () =>
                pingAnalytics(analytics),
              ),
          ]
        : []),
      ...(bus
        ? [() => this.probe('bus', this.config.KAFKA_BROKERS ? 'kafka' : 'in-process', () => bus.ping())]
        : this.workerBus()),
    ];
  }

  /** True unless this process hosts `crm serve`'s worker process and it is not running. */
  private workerPartRunning(): boolean {
    return !this.workerPart || this.workerPart.snapshot().state === 'running';
  }

  /**
   * The bus of `crm serve`'s worker process, as its last report says (every second). While the worker is not
   * running there is no bus to probe: /health says `worker` instead, and stays ready.
   */
  private workerBus(): HealthIndicatorFunction[] {
    const bus = this.workerPart?.snapshot().stats?.bus;
    if (!bus) return [];
    return [
      () =>
        this.probe('bus', bus.adapter, async () => {
          if (!bus.up) throw new Error(bus.error ?? 'the worker part reports its bus down');
        }),
    ];
  }

  /** Up, or down with the reason (first 200 characters), within PROBE_TIMEOUT_MS. */
  private async probe(key: string, adapter: string, ping: () => Promise<unknown>) {
    const indicator = this.health.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS);
        }),
      ]);
      return indicator.up({ adapter });
    } catch (error) {
      return indicator.down({ adapter, error: (error as Error).message?.slice(0, 200) ?? 'unknown' });
    } finally {
      clearTimeout(timer);
    }
  }
}
