import 'reflect-metadata';
import { ANALYTICS_CLIENT, embeddedConnection, type AnalyticsClient } from '@crm/analytics';
import { ConfigError, JsonLogger, loadConfig } from '@crm/config';
import { BUS, type Bus, InProcessBus } from '@crm/messaging';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkerRootModule } from '../worker-root.module';
import { EngineStatementServer } from './engine-statement.server';
import { REPORT_EVERY_ENV, type HostMessage, type WorkerProcessMessage } from './worker-part.messages';
import type { WorkerPartStats } from './worker-part.status';

/**
 * Entry point of `crm serve`'s worker process (WorkerProcessHost forks it): the same Nest modules as the worker
 * of the split deployment (apps/worker), on the same DATA_DIR and configuration. It owns the embedded
 * ClickHouse engine and runs the API process's statements on it; it reports what only it can measure, and
 * drains when the host says stop.
 */
const send = (message: WorkerProcessMessage) => {
  if (process.connected) process.send?.(message);
};
let app: INestApplicationContext | undefined;
let engine: EngineStatementServer | undefined;
let stopping: Promise<void> | undefined;

// A terminal's Ctrl-C reaches the whole process group: the host decides when this process stops (after the
// API has stopped taking requests), so signals are left to it.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The host is gone (it crashed or was killed): drain and exit rather than run on as an orphan.
process.on('disconnect', () => void stop());
process.on('message', (message: HostMessage) => {
  if (message.type === 'stop') void stop();
  else if (message.type === 'request') {
    if (!engine) send({ type: 'reply', id: message.id, error: { name: 'Error', message: 'not ready' } });
    else
      void engine.handle(message.request).then((reply) => send({ type: 'reply', id: message.id, ...reply }));
  }
});

async function main(): Promise<void> {
  if (!process.send) throw new Error('worker-process.main runs as the worker process of crm serve');
  const config = loadConfig();
  const context = await NestFactory.createApplicationContext(
    WorkerRootModule.forRoot(config),
    config.logFormat === 'json' ? { logger: new JsonLogger({ level: config.LOG_LEVEL }) } : {},
  );
  app = context;
  if (stopping) return; // asked to stop while booting
  if (!config.CLICKHOUSE_URL) {
    const ch = context.get<AnalyticsClient>(ANALYTICS_CLIENT);
    engine = new EngineStatementServer(
      embeddedConnection(join(config.dataDir, 'clickhouse')),
      ch.openSqlSession,
    );
  }
  reportStats(context.get<Bus>(BUS), config.KAFKA_BROKERS ? 'kafka' : 'in-process');
  send({ type: 'ready' });
}

/** Finishes the batches in hand, commits, hands the relay lease over (the modules' shutdown hooks), exits. */
function stop(): Promise<void> {
  stopping ??= (async () => {
    try {
      await engine?.close();
      await app?.close();
      process.exit(0);
    } catch (error) {
      console.error(error);
      process.exit(1);
    }
  })();
  return stopping;
}

/**
 * A broker that is not there can keep a ping waiting for the client's whole retry schedule; the report says
 * "down" after this long instead, so /health learns it within seconds.
 */
const PING_TIMEOUT_MS = 2_000;

function pingWithin(bus: Bus, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the bus did not answer a ping within ${ms} ms`)), ms);
  });
  return Promise.race([bus.ping(), late]).finally(() => clearTimeout(timer));
}

function reportStats(bus: Bus, adapter: string): void {
  const everyMs = Number(process.env[REPORT_EVERY_ENV] ?? 1_000);
  let elu = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    void pingWithin(bus, PING_TIMEOUT_MS)
      .then(
        () => undefined,
        (error: unknown) => (error as Error).message ?? String(error),
      )
      .then((busError) => {
        const now = performance.eventLoopUtilization();
        const memory = process.memoryUsage();
        const stats: WorkerPartStats = {
          bus: { adapter, up: busError === undefined, ...(busError ? { error: busError } : {}) },
          ...(bus instanceof InProcessBus ? { deadLetters: bus.deadLetters.length } : {}),
          heapUsedBytes: memory.heapUsed,
          rssBytes: memory.rss,
          eventLoopUtilization: Number(performance.eventLoopUtilization(now, elu).utilization.toFixed(3)),
          reportedAt: new Date().toISOString(),
        };
        elu = now;
        send({ type: 'stats', stats });
      });
  }, everyMs);
  timer.unref();
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  send({ type: 'boot-failed', error: message });
  console.error(message);
  process.exit(1);
});
