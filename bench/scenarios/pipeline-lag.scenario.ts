import { customerStreamId } from '@crm/domain';
import type { EventToAppend } from '@crm/event-store';
import { LifecycleGenerator } from '@crm/generator';
import { toEventToAppend } from '@crm/ingest';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import {
  startPipeline,
  startServePipeline,
  type BenchPipeline,
  type VisibleListener,
} from '../support/bench-pipeline';
import { percentiles } from '../support/percentiles';
import { serveHttpLagRun } from './serve-http-lag.run';

/** Targets of issue 6: p99 append -> visible at 2,000 events/s, embedded and with Kafka and PostgreSQL. */
const TARGET_EMBEDDED_P99_MS = 100;
const TARGET_DISTRIBUTED_P99_MS = 500;
/** Targets of issue 12 for `crm serve` with events offered over HTTP (5,000 events/s for 5 minutes). */
const TARGET_SERVE_READ_MODEL_P99_MS = 500;
const TARGET_SERVE_CLICKHOUSE_P99_MS = 2000;
/** Issue 12: Kafka + PostgreSQL, append -> read model at 5,000 events/s. */
const TARGET_KAFKA_POSTGRES_5000_P99_MS = 200;
const WARMUP_MS = 3000;
/** Appends the lag scenario's appender keeps in flight at most. */
const APPEND_WINDOW = 64;

interface Append {
  readonly streamId: string;
  readonly events: EventToAppend[];
}

interface Setup {
  readonly id: string;
  readonly label: string;
  readonly target: number;
  start(): Promise<BenchPipeline>;
}

/**
 * End-to-end lag: events appended to the store at a fixed offered rate (one append per published event, as
 * the API appends a customer's share of a request), and the time until the projector's transaction holding
 * each event has committed (from then on Customer 360, or an analytics query, shows it). Open loop: the
 * appender keeps its schedule whatever the pipeline does. The first 3 s are warm-up and not counted.
 *
 * Setups: `serve`, the embedded pipeline exactly as `crm serve` wires it (both projectors; the in-process
 * bus waits for every group, so the analytics consumer's batching is in the read model's lag too), with the
 * lag into ClickHouse as well; `embedded`, the read-model path alone; `kafka-postgres`, the read-model path
 * on Kafka and PostgreSQL when KAFKA_BROKERS and DATABASE_URL are set.
 */
export function pipelineLagScenario(options: BenchOptions): Scenario {
  return {
    group: 'lag',
    async run(): Promise<ScenarioResult[]> {
      const wanted = (id: string) => options.lagSetups.length === 0 || options.lagSetups.includes(id);
      const results: ScenarioResult[] = [];
      if (wanted('serve-http')) results.push(...(await measureServeHttp(options)));
      const relay = options.lagRelayBatch ? { relayBatchSize: options.lagRelayBatch } : {};
      const setups: Setup[] = [
        {
          id: 'serve',
          label: 'crm serve wiring (SQLite, in-process bus, read model + ClickHouse)',
          target: TARGET_EMBEDDED_P99_MS,
          start: () => startServePipeline(options.lagRelayBatch),
        },
        {
          id: 'embedded',
          label: 'read-model path alone (SQLite, in-process bus)',
          target: TARGET_EMBEDDED_P99_MS,
          start: () => startPipeline(relay),
        },
      ];
      const brokers = process.env.KAFKA_BROKERS?.split(',').filter((b) => b.length > 0);
      const databaseUrl = process.env.DATABASE_URL;
      if (brokers?.length && databaseUrl)
        setups.push({
          id: 'kafka-postgres',
          label: 'read-model path on Kafka + PostgreSQL',
          target: options.lagRate >= 5000 ? TARGET_KAFKA_POSTGRES_5000_P99_MS : TARGET_DISTRIBUTED_P99_MS,
          start: () => startPipeline({ kafkaBrokers: brokers, databaseUrl, ...relay }),
        });
      else if (wanted('kafka-postgres'))
        log('lag: Kafka + PostgreSQL skipped (set KAFKA_BROKERS and DATABASE_URL)');

      for (const setup of setups.filter((s) => wanted(s.id)))
        results.push(...(await measureSetup(options, setup)));
      return results;
    },
  };
}

async function measureSetup(options: BenchOptions, setup: Setup): Promise<ScenarioResult[]> {
  const details: LagRun[] = [];
  let failure: string | undefined;
  for (let run = 1; run <= options.runs && !failure; run++) {
    const measured = await lagRun(options, setup).catch((error: unknown) => {
      // A server gone mid-bench (another process restarted it) costs this setup's figures, not the run.
      failure = error instanceof Error ? error.message : String(error);
      log(`lag ${setup.id}, run ${run} failed: ${failure}`);
    });
    if (!measured) break;
    details.push(measured);
    const { readModel, analytics } = measured;
    log(
      `lag ${setup.id}, run ${run}: read model p50 ${readModel.lagMs.p50} ms, p99 ${readModel.lagMs.p99} ms ` +
        `(reaching the projector p50 ${readModel.reachProjectorMs.p50} ms; ${readModel.batchEvents.mean} ` +
        `events/batch, ${readModel.applyMs.p50} ms/batch)` +
        (analytics ? `; ClickHouse p50 ${analytics.lagMs.p50} ms, p99 ${analytics.lagMs.p99} ms` : '') +
        ` at ${measured.achievedPerSecond} events/s offered` +
        (measured.missing ? `, ${measured.missing} never visible` : ''),
    );
  }
  const rate = options.lagRate.toLocaleString('en');
  const common = {
    unit: 'ms',
    ...(failure && details.length === 0 ? { pending: `a working ${setup.id} setup (${failure})` } : {}),
    notes:
      `${options.lagRate} events/s offered for ${options.lagSeconds} s, append -> projector committed, ` +
      `RELAY_BATCH_SIZE ${options.lagRelayBatch ?? 'default'}`,
  };
  const rows: ScenarioResult[] = [];
  const targets: ['readModel' | 'analytics', string][] = [['readModel', 'read model']];
  if (details.some((d) => d.analytics)) targets.push(['analytics', 'ClickHouse']);
  for (const [key, where] of targets) {
    const of = (q: 'p50' | 'p99') => details.flatMap((d) => (d[key] ? [d[key].lagMs[q]] : []));
    rows.push(
      {
        id: `lag-${setup.id}${key === 'analytics' ? '-clickhouse' : ''}-p50`,
        title: `Lag to ${where} p50 at ${rate} ev/s, ${setup.label}`,
        samples: of('p50'),
        ...common,
        ...(rows.length === 0 ? { details } : {}),
      },
      {
        id: `lag-${setup.id}${key === 'analytics' ? '-clickhouse' : ''}-p99`,
        title: `Lag to ${where} p99 at ${rate} ev/s, ${setup.label}`,
        samples: of('p99'),
        target: { value: setup.target, atLeast: false },
        ...common,
      },
    );
  }
  return rows;
}

/** `crm serve` whole, events offered over HTTP: lag into both projections, and whether it grows. */
async function measureServeHttp(options: BenchOptions): Promise<ScenarioResult[]> {
  const runs: Awaited<ReturnType<typeof serveHttpLagRun>>[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const measured = await serveHttpLagRun({
      rate: options.lagRate,
      seconds: options.lagSeconds,
      batchSize: options.lagHttpBatch,
      worker: options.serveWorker,
      seed: options.seed + run,
      warmupMs: WARMUP_MS,
    }).catch((error: unknown) => {
      log(`lag serve-http, run ${run} failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (!measured) break;
    runs.push(measured);
    const { readModel: rm, analytics: ch, ingest, cpu } = measured;
    const windows = (f: typeof rm) =>
      `first ${f.windowSeconds} s p50/p99 ${f.firstWindow.p50}/${f.firstWindow.p99} ms, last ${f.lastWindow.p50}/${f.lastWindow.p99} ms${f.growing ? ': GROWING' : ''}`;
    log(
      `lag serve-http (--worker ${measured.worker}), run ${run}: ${ingest?.achievedPerSecond} events/s achieved ` +
        `(${JSON.stringify(ingest?.statuses)}, request latency p99 ${ingest?.latencyMs.p99} ms` +
        `${ingest?.firstError ? `, first error ${ingest.firstError}` : ''}); CPU: crm serve ${cpu.serveCores} cores, ` +
        `worker process ${cpu.workerCores}; read model p50 ${rm.lagMs.p50} / p99 ${rm.lagMs.p99} ms (${windows(rm)}); ` +
        `ClickHouse p50 ${ch.lagMs.p50} / p99 ${ch.lagMs.p99} ms (${windows(ch)})` +
        (rm.missing + ch.missing > 0 ? `; never visible: ${rm.missing} / ${ch.missing}` : ''),
    );
  }
  const rate = options.lagRate.toLocaleString('en');
  const notes =
    `crm serve --worker ${options.serveWorker}, ${options.lagRate} events/s offered over HTTP in requests of ` +
    `${options.lagHttpBatch} for ${options.lagSeconds} s; growing: ` +
    (runs.length === 0
      ? 'no run'
      : runs
          .map((r) => `${r.readModel.growing ? 'yes' : 'no'}/${r.analytics.growing ? 'yes' : 'no'}`)
          .join(', '));
  const pending = runs.length === 0 ? { pending: 'a working crm serve run (see the log above)' } : {};
  const row = (key: 'readModel' | 'analytics', q: 'p50' | 'p99', target?: number): ScenarioResult => ({
    id: `lag-serve-http${key === 'analytics' ? '-clickhouse' : ''}-${q}`,
    title: `Lag to ${key === 'analytics' ? 'ClickHouse' : 'read model'} ${q} at ${rate} ev/s over HTTP, crm serve`,
    unit: 'ms',
    samples: runs.map((r) => r[key].lagMs[q]),
    ...(target ? { target: { value: target, atLeast: false } } : {}),
    notes,
    ...pending,
    ...(key === 'readModel' && q === 'p50' ? { details: runs } : {}),
  });
  return [
    row('readModel', 'p50'),
    row('readModel', 'p99', TARGET_SERVE_READ_MODEL_P99_MS),
    row('analytics', 'p50'),
    row('analytics', 'p99', TARGET_SERVE_CLICKHOUSE_P99_MS),
  ];
}

/** Lag of one projector: per event, and where it comes from (reaching the projector, its transactions). */
class LagTracker {
  readonly appendedAt = new Map<string, number>();
  private readonly lags: number[] = [];
  private readonly reach: number[] = [];
  private readonly apply: number[] = [];
  private readonly batches: number[] = [];
  visible = 0;

  readonly listener: VisibleListener = (events, at, took) => {
    this.apply.push(took);
    this.batches.push(events.length);
    for (const e of events) {
      const t = this.appendedAt.get(e.eventId);
      if (t === undefined) continue;
      this.appendedAt.delete(e.eventId);
      this.visible++;
      if (t >= 0) {
        this.lags.push(at - t);
        this.reach.push(at - took - t);
      }
    }
  };

  report() {
    return {
      lagMs: percentiles(this.lags),
      reachProjectorMs: percentiles(this.reach),
      applyMs: percentiles(this.apply),
      batchEvents: percentiles(this.batches),
      missing: this.appendedAt.size,
    };
  }
}

type LagRun = Awaited<ReturnType<typeof lagRun>>;

async function lagRun(options: BenchOptions, setup: Setup) {
  const total = options.lagRate * options.lagSeconds;
  const appends = prepare(options.seed, total);
  const pipeline = await setup.start();
  try {
    const readModel = new LagTracker();
    pipeline.onVisible(readModel.listener);
    const analytics = pipeline.onAnalyticsVisible ? new LagTracker() : undefined;
    if (analytics) pipeline.onAnalyticsVisible?.(analytics.listener);
    const trackers = analytics ? [readModel, analytics] : [readModel];
    const record = (append: Append, at: number) => {
      for (const tracker of trackers) for (const e of append.events) tracker.appendedAt.set(e.eventId, at);
    };

    // Prime: the pipeline is live (Kafka group joined, ClickHouse schema ready) before the clock starts.
    await pipeline.store.appendToStream(appends[0].streamId, appends[0].events);
    record(appends[0], -1);
    await until(() => trackers.every((t) => t.visible > 0), 120_000, 'the first event to be visible');

    const start = performance.now();
    let sent = 0;
    let index = 1;
    const interval = 1000 / options.lagRate;
    // Appends in flight, as concurrent API requests would have them: awaiting each durable commit before the
    // next append would cap the offered rate at one commit per append (the store's group commit needs
    // several callers) and block the schedule.
    const inFlight = new Set<Promise<void>>();
    const lastOfStream = new Map<string, Promise<void>>();
    let failed: unknown;
    while (index < appends.length) {
      const now = performance.now();
      // Everything whose scheduled time has come; events, not appends, set the pace.
      while (index < appends.length && start + sent * interval <= now) {
        const append = appends[index++];
        // One stream's appends stay in order: the next waits for the one in flight.
        const previous = lastOfStream.get(append.streamId) ?? Promise.resolve();
        const done: Promise<void> = previous
          .then(() => pipeline.store.appendToStream(append.streamId, append.events))
          .then(() => {
            const committed = performance.now();
            record(append, committed - start >= WARMUP_MS ? committed : -1);
          })
          .catch((error: unknown) => void (failed ??= error))
          .finally(() => {
            inFlight.delete(done);
            if (lastOfStream.get(append.streamId) === done) lastOfStream.delete(append.streamId);
          });
        inFlight.add(done);
        lastOfStream.set(append.streamId, done);
        sent += append.events.length;
        if (inFlight.size >= APPEND_WINDOW) await Promise.race(inFlight);
      }
      if (failed) throw failed;
      await sleep(Math.max(0, start + sent * interval - performance.now()));
    }
    await Promise.all(inFlight);
    if (failed) throw failed;
    const offeredMs = performance.now() - start;
    await until(() => trackers.every((t) => t.appendedAt.size === 0), 60_000, 'the pipeline to drain').catch(
      () => undefined,
    );
    return {
      events: sent,
      achievedPerSecond: Math.round(sent / (offeredMs / 1000)),
      missing: trackers.reduce((n, t) => n + t.appendedAt.size, 0),
      readModel: readModel.report(),
      ...(analytics ? { analytics: analytics.report() } : {}),
    };
  } finally {
    await pipeline.close();
  }
}

/** Published events with what the decider emits for them, in time order: one append each. */
function prepare(seed: number, count: number): Append[] {
  const appends: Append[] = [];
  let events = 0;
  for (const { published, emitted } of new LifecycleGenerator({ customers: Math.ceil(count / 5), seed })) {
    appends.push({
      streamId: customerStreamId(published.customerId),
      events: emitted.map((e) => toEventToAppend(e, published)),
    });
    events += emitted.length;
    if (events >= count) break;
  }
  return appends;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
