import 'reflect-metadata';
import { ConfigError, JsonLogger, loadConfig } from '@crm/config';
import { BUS, type Bus, InProcessBus } from '@crm/messaging';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { WorkerRootModule } from '../worker-root.module';
import type { WorkerThreadData, WorkerThreadMessage, WorkerThreadStop } from './worker-part.messages';
import type { WorkerPartStats } from './worker-part.status';

/**
 * Entry point of `crm serve`'s worker thread (WorkerThreadHost starts it): the same Nest modules as the
 * worker process (apps/worker), with the configuration of the process (a worker thread gets a copy of its
 * environment). It reports what only it can measure, and drains when the host says stop.
 */
if (!parentPort) throw new Error('worker-thread.main runs as a worker thread of crm serve');
const port = parentPort;
const data = workerData as WorkerThreadData;
const send = (message: WorkerThreadMessage) => port.postMessage(message);

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(
    WorkerRootModule.forRoot(config),
    config.logFormat === 'json' ? { logger: new JsonLogger({ level: config.LOG_LEVEL }) } : {},
  );
  const adapter = config.KAFKA_BROKERS ? 'kafka' : 'in-process';
  const bus = app.get<Bus>(BUS);
  const reporter = reportStats(bus, adapter, data.reportEveryMs);
  port.on('message', (message: WorkerThreadStop) => {
    if (message.type !== 'stop') return;
    clearInterval(reporter);
    void stop(app);
  });
  if (data.crashAfterMs !== undefined) {
    const after = data.crashAfterMs;
    setTimeout(() => {
      throw new Error(`fault injected: the worker part crashes ${after} ms after its start`);
    }, after);
  }
  send({ type: 'ready' });
}

/** Finishes the batches in hand, commits, hands the relay lease over (the modules' shutdown hooks), exits. */
async function stop(app: INestApplicationContext): Promise<void> {
  try {
    await app.close();
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}

function reportStats(bus: Bus, adapter: string, everyMs: number): NodeJS.Timeout {
  let elu = performance.eventLoopUtilization();
  return setInterval(() => {
    void bus
      .ping()
      .then(
        () => undefined,
        (error: unknown) => (error as Error).message ?? String(error),
      )
      .then((busError) => {
        const now = performance.eventLoopUtilization();
        const stats: WorkerPartStats = {
          bus: { adapter, up: busError === undefined, ...(busError ? { error: busError } : {}) },
          ...(bus instanceof InProcessBus ? { deadLetters: bus.deadLetters.length } : {}),
          heapUsedBytes: getHeapStatistics().used_heap_size,
          eventLoopUtilization: Number(performance.eventLoopUtilization(now, elu).utilization.toFixed(3)),
          reportedAt: new Date().toISOString(),
        };
        elu = now;
        send({ type: 'stats', stats });
      });
  }, everyMs);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  send({ type: 'boot-failed', error: message });
  console.error(message);
  process.exit(1);
});
