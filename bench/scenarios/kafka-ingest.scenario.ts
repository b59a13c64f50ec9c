import { composeEventStore, createEventStoreAdapter, createKeyStore } from '@crm/event-store';
import { LifecycleGenerator } from '@crm/generator';
import { EventIngestor, KafkaIngestChannel } from '@crm/ingest';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';

/** Target of issue 11: at least 20,000 events/s from the ingest topic into the embedded store. */
const TARGET_EVENTS_PER_SECOND = 20_000;
const PARTITIONS = 6;
/** KAFKA_INGEST_BATCH_EVENTS's default. */
const MAX_BATCH_EVENTS = 5_000;

interface Message {
  readonly key: string;
  readonly value: string;
}

/**
 * The Kafka ingest channel: N valid generated events (the publish contract's JSON, keyed by customer) are
 * produced to a fresh ingest topic first; then the channel (the worker's class, in this process) consumes
 * them into a fresh embedded store composed as the worker composes it (crypto-shredding included).
 * Events/s = events appended / time from the first publish call to the last one's end, so the consumer
 * group's join is not counted (it is reported apart, with the wall time from start to caught up).
 */
export function kafkaIngestScenario(options: BenchOptions): Scenario {
  return {
    group: 'kafka',
    async run() {
      const brokers = process.env.KAFKA_BROKERS?.split(',').filter((b) => b.length > 0);
      if (!brokers?.length) {
        log('kafka: skipped (set KAFKA_BROKERS)');
        return [];
      }
      const messages = prepare(options.seed, options.kafkaEvents);
      const details: Record<string, unknown>[] = [];
      for (let run = 1; run <= options.runs; run++) {
        const measured = await kafkaRun(brokers, messages);
        details.push(measured);
        log(
          `kafka ingest, run ${run}: ${Math.round(measured.eventsPerSecond)} events/s` +
            ` (${measured.cpuMicrosPerEvent} µs CPU/event, ${measured.publishCalls} publish calls, group join ${measured.joinMs} ms, wall ${measured.wallMs} ms)`,
        );
      }
      const result: ScenarioResult = {
        id: 'kafka-ingest',
        title: `Kafka ingest channel into the embedded store (${messages.length.toLocaleString('en')} events, ${PARTITIONS} partitions)`,
        unit: 'events/s',
        samples: details.map((d) => d.eventsPerSecond as number),
        target: { value: TARGET_EVENTS_PER_SECOND, atLeast: true },
        notes: `publish calls of up to ${MAX_BATCH_EVENTS} events per partition batch`,
        details,
      };
      return [result];
    },
  };
}

/** The first `count` published events of a generated population, as JSON messages keyed by customer. */
function prepare(seed: number, count: number): Message[] {
  const messages: Message[] = [];
  for (const { published } of new LifecycleGenerator({ customers: Math.ceil(count / 9), seed })) {
    messages.push({ key: published.customerId, value: JSON.stringify(published) });
    if (messages.length >= count) break;
  }
  return messages;
}

async function kafkaRun(brokers: string[], messages: readonly Message[]) {
  const id = randomUUID().slice(0, 8);
  const topic = `bench-ingest-${id}`;
  const kafka = new Kafka({ clientId: 'bench-ingest', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 2_000) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2_000) });
  }
  await producer.disconnect();

  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-kafka-'));
  const store = composeEventStore(createEventStoreAdapter({ dataDir }), createKeyStore({ dataDir }));
  const ingestor = new EventIngestor(store, { maxBatchEvents: MAX_BATCH_EVENTS, stateCacheSize: 50_000 });
  let firstCall = 0;
  let lastEnd = 0;
  // CPU time of this process over the same window: on a contended machine, wall time says little, CPU per
  // event says what one core would do alone.
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let cpuAtLast: NodeJS.CpuUsage | undefined;
  let appended = 0;
  let publishCalls = 0;
  let failures = 0;
  let done: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (done = resolve));
  const measured: Pick<EventIngestor, 'validateEvent' | 'publish'> = {
    validateEvent: (raw, o) => ingestor.validateEvent(raw, o),
    publish: async (events, context) => {
      if (!firstCall) {
        firstCall = performance.now();
        cpuAtFirst = process.cpuUsage();
      }
      publishCalls += 1;
      const outcome = await ingestor.publish(events, context);
      if (outcome.kind === 'appended' && outcome.failures.length === 0) appended += events.length;
      else failures += 1;
      lastEnd = performance.now();
      cpuAtLast = process.cpuUsage(cpuAtFirst);
      if (appended >= messages.length) done();
      return outcome;
    },
  };
  const channel = new KafkaIngestChannel(measured, {
    brokers,
    topic,
    rejectionsTopic: `${topic}.rejected`,
    group: `bench-ingest-${id}`,
    partitions: PARTITIONS,
    maxBatchEvents: MAX_BATCH_EVENTS,
    onError: (message, error) => log(`  ${message}${error ? `: ${(error as Error).message}` : ''}`),
  });
  const started = performance.now();
  try {
    await channel.start();
    await caughtUp;
    const wallMs = Math.round(performance.now() - started);
    return {
      eventsPerSecond: appended / ((lastEnd - firstCall) / 1000),
      cpuMicrosPerEvent: Math.round(((cpuAtLast?.user ?? 0) + (cpuAtLast?.system ?? 0)) / appended),
      appended,
      publishCalls,
      failures,
      joinMs: Math.round(firstCall - started),
      wallMs,
    };
  } finally {
    await channel.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: [topic, `${topic}.rejected`] }).catch(() => undefined);
    await cleanup.disconnect();
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
