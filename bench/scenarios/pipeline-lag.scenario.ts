import { customerStreamId } from '@crm/domain';
import type { EventToAppend } from '@crm/event-store/event-store.port';
import { LifecycleGenerator, toEventToAppend } from '@crm/generator';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import { startPipeline, type PipelineSetup } from '../support/bench-pipeline';
import { percentiles } from '../support/percentiles';

/** Targets of issue 6: p99 append -> visible in the read model at 2,000 events/s. */
const TARGET_P99_MS = { embedded: 100, 'kafka-postgres': 500 } as const;
const WARMUP_MS = 3000;

interface Append {
  readonly streamId: string;
  readonly events: EventToAppend[];
}

/**
 * End-to-end lag: events appended to the store at a fixed offered rate (one append per published event, as
 * the API appends a customer's share of a request), and the time until the read-model projector's
 * transaction holding each event has committed (from then on Customer 360 shows it). Open loop: the
 * appender keeps its schedule whatever the pipeline does. The first 3 s are warm-up and not counted.
 * Embedded always; Kafka + PostgreSQL when KAFKA_BROKERS and DATABASE_URL are set.
 */
export function pipelineLagScenario(options: BenchOptions): Scenario {
  return {
    group: 'lag',
    async run(): Promise<ScenarioResult[]> {
      const relay = options.lagRelayBatch ? { relayBatchSize: options.lagRelayBatch } : {};
      const setups: [keyof typeof TARGET_P99_MS, PipelineSetup][] = [['embedded', relay]];
      const brokers = process.env.KAFKA_BROKERS?.split(',').filter((b) => b.length > 0);
      const databaseUrl = process.env.DATABASE_URL;
      if (brokers?.length && databaseUrl)
        setups.push(['kafka-postgres', { kafkaBrokers: brokers, databaseUrl, ...relay }]);
      else log('lag: Kafka + PostgreSQL skipped (set KAFKA_BROKERS and DATABASE_URL)');

      const results: ScenarioResult[] = [];
      for (const [name, setup] of setups) {
        const details: Record<string, unknown>[] = [];
        let failure: string | undefined;
        for (let run = 1; run <= options.runs && !failure; run++) {
          const measured = await lagRun(options, setup).catch((error: unknown) => {
            // A server gone mid-bench (another process restarted it) costs this setup's figures, not the run.
            failure = error instanceof Error ? error.message : String(error);
            log(`lag ${name}, run ${run} failed: ${failure}`);
          });
          if (!measured) break;
          details.push(measured);
          log(
            `lag ${name}, run ${run}: p50 ${measured.lagMs.p50} ms, p99 ${measured.lagMs.p99} ms, ` +
              `max ${measured.lagMs.max} ms at ${measured.achievedPerSecond} events/s offered` +
              (measured.missing ? `, ${measured.missing} never visible` : '') +
              `; reaching the projector p50 ${measured.reachProjectorMs.p50} ms; projector: ` +
              `${measured.projectorBatchEvents.mean} events/batch, ` +
              `${measured.projectorApplyMs.p50} ms/batch (p50)`,
          );
        }
        const label = name === 'embedded' ? 'embedded (SQLite, in-process bus)' : 'Kafka + PostgreSQL';
        const common = {
          unit: 'ms',
          ...(failure && details.length === 0 ? { pending: `a working ${name} setup (${failure})` } : {}),
          notes:
            `${options.lagRate} events/s offered for ${options.lagSeconds} s, append -> read model committed, ` +
            `RELAY_BATCH_SIZE ${options.lagRelayBatch ?? 'default'}`,
        };
        results.push(
          {
            id: `lag-${name}-p50`,
            title: `Lag p50 at ${options.lagRate.toLocaleString('en')} ev/s, ${label}`,
            samples: details.map((d) => (d.lagMs as { p50: number }).p50),
            ...common,
            details,
          },
          {
            id: `lag-${name}-p99`,
            title: `Lag p99 at ${options.lagRate.toLocaleString('en')} ev/s, ${label}`,
            samples: details.map((d) => (d.lagMs as { p99: number }).p99),
            target: { value: TARGET_P99_MS[name], atLeast: false },
            ...common,
          },
        );
      }
      return results;
    },
  };
}

async function lagRun(options: BenchOptions, setup: PipelineSetup) {
  const total = options.lagRate * options.lagSeconds;
  const appends = prepare(options.seed, total);
  const pipeline = await startPipeline(setup);
  try {
    const appendedAt = new Map<string, number>();
    const lags: number[] = [];
    const reachMs: number[] = [];
    const applyMs: number[] = [];
    const batchSizes: number[] = [];
    let visibleCount = 0;
    pipeline.onVisible((events, at, took) => {
      applyMs.push(took);
      batchSizes.push(events.length);
      for (const e of events) {
        const t = appendedAt.get(e.eventId);
        if (t === undefined) continue;
        appendedAt.delete(e.eventId);
        visibleCount++;
        if (t >= 0) {
          lags.push(at - t);
          reachMs.push(at - took - t);
        }
      }
    });

    // Prime: the pipeline is live (Kafka group joined, partitions assigned) before the clock starts.
    await pipeline.store.appendToStream(appends[0].streamId, appends[0].events);
    appendedAt.set(appends[0].events[0].eventId, -1);
    await until(() => visibleCount > 0, 60_000, 'the first event to reach the read model');

    const start = performance.now();
    let sent = 0;
    let index = 1;
    const interval = 1000 / options.lagRate;
    while (index < appends.length) {
      const now = performance.now();
      // Everything whose scheduled time has come; events, not appends, set the pace.
      while (index < appends.length && start + sent * interval <= now) {
        const { streamId, events } = appends[index++];
        await pipeline.store.appendToStream(streamId, events);
        const committed = performance.now();
        const counted = committed - start >= WARMUP_MS;
        for (const e of events) appendedAt.set(e.eventId, counted ? committed : -1);
        sent += events.length;
      }
      await sleep(Math.max(0, start + sent * interval - performance.now()));
    }
    const offeredMs = performance.now() - start;
    await until(() => appendedAt.size === 0, 60_000, 'the pipeline to drain').catch(() => undefined);
    return {
      events: sent,
      achievedPerSecond: Math.round(sent / (offeredMs / 1000)),
      counted: lags.length,
      missing: appendedAt.size,
      lagMs: percentiles(lags),
      // Where the lag comes from: how long an event takes to reach the projector (store -> relay -> bus), how
      // long the projector's transactions take, and how many events they hold.
      reachProjectorMs: percentiles(reachMs),
      projectorApplyMs: percentiles(applyMs),
      projectorBatchEvents: percentiles(batchSizes),
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
