import { AnalyticsProjector } from '@crm/analytics';
import { loadConfig } from '@crm/config';
import {
  composeEventStore,
  createEventStoreAdapter,
  createKeyStore,
} from '@crm/event-store';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@crm/event-store';
import { createBus, type Bus, type ConsumeOptions } from '@crm/messaging';
import { CustomerReadModelProjector, createReadModelDataSource } from '@crm/read-model';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ReadModelConsumer } from '@crm/projections';
import { RelayRunner } from '@crm/projections';
import { WorkerRootModule } from '@crm/projections';
import { scratchDatabase } from './postgres-scratch';

export interface PipelineSetup {
  /** Kafka brokers; absent: the in-process bus. */
  readonly kafkaBrokers?: readonly string[];
  /** PostgreSQL server URL (a scratch database is created on it); absent: the SQLite read model. */
  readonly databaseUrl?: string;
  /** RELAY_BATCH_SIZE; absent: the app's default. */
  readonly relayBatchSize?: number;
}

export type VisibleListener = (events: readonly RecordedEvent[], atMs: number, applyMs: number) => void;

export interface BenchPipeline {
  readonly store: EventStore;
  readonly dataDir: string;
  /**
   * Called after each read-model projector transaction commits, with its events (from then on a read sees
   * them), the commit time and how long the projector's apply took.
   */
  onVisible(listener: VisibleListener): void;
  /** The same for the analytics projector's inserts into ClickHouse, when the pipeline has one. */
  onAnalyticsVisible?(listener: VisibleListener): void;
  close(): Promise<void>;
}

/** Replaces `target.apply` by a wrapper that tells the listeners when a call resolved and how long it took. */
function observeApply(
  target: { apply(events: readonly RecordedEvent[], ...rest: never[]): Promise<unknown> },
  listeners: VisibleListener[],
): void {
  const apply = target.apply.bind(target) as (...args: unknown[]) => Promise<unknown>;
  target.apply = async (...args: unknown[]) => {
    const started = performance.now();
    const result = await apply(...args);
    const at = performance.now();
    for (const listener of listeners) listener(args[0] as readonly RecordedEvent[], at, at - started);
    return result;
  };
}

/**
 * The embedded pipeline exactly as `crm serve` and apps/worker build it (WorkerRootModule: store with
 * crypto-shredding, relay, in-process bus, read-model and analytics consumers, embedded ClickHouse), in a
 * fresh data directory. Embedded only: through the Nest modules the consumer groups have their fixed names.
 * The in-process bus resolves a publish once every group has handled it, so the analytics consumer's batching
 * is part of the read model's lag too.
 */
export async function startServePipeline(relayBatchSize?: number): Promise<BenchPipeline> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-serve-'));
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      WORKER_ID: 'bench-serve',
      ...(relayBatchSize ? { RELAY_BATCH_SIZE: String(relayBatchSize) } : {}),
    });
    const app = await NestFactory.createApplicationContext(WorkerRootModule.forRoot(config), {
      logger: false,
    });
    const readModel: VisibleListener[] = [];
    const analytics: VisibleListener[] = [];
    observeApply(app.get(CustomerReadModelProjector), readModel);
    observeApply(app.get(AnalyticsProjector), analytics);
    await app.init();
    return {
      store: app.get<EventStore>(EVENT_STORE),
      dataDir,
      onVisible: (listener) => readModel.push(listener),
      onAnalyticsVisible: (listener) => analytics.push(listener),
      async close() {
        await app.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The worker's pipeline as production wires it (the embedded SQLite store with crypto-shredding and
 * upcasting, the relay reading it sealed, RelayRunner with its lease, the bus, ReadModelConsumer opening
 * personal data with the keys, CustomerReadModelProjector), on a fresh data directory, topic and scratch
 * database, built by hand instead of through the Nest modules for one reason: the consumer group gets a name
 * of its own. Sharing `crm.read-model` with other processes on the same broker would let their rebalances
 * (and kafkajs assigning a leader's topics to every member) into the measurement.
 */
export async function startPipeline(setup: PipelineSetup): Promise<BenchPipeline> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-pipeline-'));
  const id = randomUUID().slice(0, 8);
  const cleanups: (() => Promise<unknown>)[] = [
    async () => rmSync(dataDir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const database = setup.databaseUrl ? await scratchDatabase(setup.databaseUrl) : undefined;
    if (database) cleanups.push(() => database.drop());
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      WORKER_ID: `bench-${id}`,
      KAFKA_TOPIC: `crm-bench-${id}`,
      ...(setup.kafkaBrokers ? { KAFKA_BROKERS: setup.kafkaBrokers.join(',') } : {}),
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...(setup.relayBatchSize ? { RELAY_BATCH_SIZE: String(setup.relayBatchSize) } : {}),
    });

    // As EventStoreModule composes it: appends (the API's) seal personal data, the relay reads it sealed.
    const adapter = createEventStoreAdapter({ dataDir });
    const keys = createKeyStore({ dataDir });
    const store = composeEventStore(adapter, keys);
    const sealed = composeEventStore(adapter, keys, { sealed: true });
    cleanups.push(() => store.close()); // closes the shared adapter and key store
    const dataSource = createReadModelDataSource({ databaseUrl: config.DATABASE_URL, dataDir });
    await dataSource.initialize();
    cleanups.push(() => dataSource.destroy());
    await dataSource.runMigrations({ transaction: 'all' });

    const bus = await createBus({
      kafkaBrokers: config.kafkaBrokers,
      partitions: config.KAFKA_PARTITIONS,
      topic: config.KAFKA_TOPIC,
      clientId: config.workerId,
      logLevel: 'warn',
      onError: (message, error) => process.stderr.write(`  bus: ${message}: ${(error as Error)?.message}\n`),
    });
    cleanups.push(() => bus.close());
    if (setup.kafkaBrokers)
      cleanups.push(() => deleteTopics(setup.kafkaBrokers!, [bus.topic, bus.deadLetterTopic]));

    const listeners: VisibleListener[] = [];
    const projector = new CustomerReadModelProjector(dataSource);
    observeApply(projector, listeners);

    const consumer = new ReadModelConsumer(withGroup(bus, `crm.bench-read-model-${id}`), projector, keys);
    await consumer.onModuleInit();
    cleanups.push(() => consumer.onApplicationShutdown());
    const relay = new RelayRunner(sealed, bus, dataSource, config);
    relay.onApplicationBootstrap();
    cleanups.push(() => relay.onApplicationShutdown());

    return { store, dataDir, onVisible: (listener) => listeners.push(listener), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The same bus, but every consumer it starts joins `group`. */
function withGroup(bus: Bus, group: string): Bus {
  return new Proxy(bus, {
    get(target, property) {
      if (property === 'consume') return (options: ConsumeOptions) => target.consume({ ...options, group });
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function deleteTopics(brokers: readonly string[], topics: string[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'crm-bench',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}
