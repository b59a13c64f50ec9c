import 'reflect-metadata';
import { ConfigError, JsonLogger, loadConfig } from '@crm/config';
import { BUS, type Bus, InProcessBus } from '@crm/messaging';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { WorkerRootModule } from '../worker-root.module';
import { forwardedEngineConnection } from './forwarded-engine.connection';
import { REPORT_EVERY_ENV, type HostMessage, type WorkerProcessMessage } from './worker-part.messages';
import type { WorkerPartStats } from './worker-part.status';

/**
 * Entry point of `crm serve`'s worker process (WorkerProcessHost forks it): the same Nest modules as the worker
 * of the split deployment (apps/worker), on the same DATA_DIR and configuration, except that its ClickHouse
 * statements go to the API process, which owns the embedded engine. It reports what only it can measure and
 * drains when the host says stop.
 */
const send = (message: WorkerProcessMessage) => {
  if (process.connected) process.send?.(message);
};
const listeners: ((message: HostMessage) => void)[] = [];
process.on('message', (message: HostMessage) => listeners.forEach((listener) => listener(message)));
const engine = forwardedEngineConnection(send, (listener) => listeners.push(listener));
let app: INestApplicationContext | undefined;
let stopping: Promise<void> | undefined;

// A terminal's Ctrl-C reaches the whole process group: the host decides when this process stops (it drains
// the API first), so signals are left to it.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The host is gone (it crashed or was killed): drain and exit rather than run on as an orphan.
process.on('disconnect', () => {
  engine.disconnected();
  void stop();
});
listeners.push((message) => {
  if (message.type === 'stop') void stop();
});

async function main(): Promise<void> {
  if (!process.send) throw new Error('worker-process.main runs as the worker process of crm serve');
  const config = loadConfig();
  const context = await NestFactory.createApplicationContext(
    WorkerRootModule.forRoot(config, config.CLICKHOUSE_URL ? {} : { analyticsEngine: engine }),
    config.logFormat === 'json' ? { logger: new JsonLogger({ level: config.LOG_LEVEL }) } : {},
  );
  app = context;
  if (stopping) return; // stopped while booting
  reportStats(context.get<Bus>(BUS), config.KAFKA_BROKERS ? 'kafka' : 'in-process');
  send({ type: 'ready' });
}

/** Finishes the batches in hand, commits, hands the relay lease over (the modules' shutdown hooks), exits. */
function stop(): Promise<void> {
  stopping ??= (async () => {
    try {
      await app?.close();
      process.exit(0);
    } catch (error) {
      console.error(error);
      process.exit(1);
    }
  })();
  return stopping;
}

function reportStats(bus: Bus, adapter: string): void {
  const everyMs = Number(process.env[REPORT_EVERY_ENV] ?? 1_000);
  let elu = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    void bus
      .ping()
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
