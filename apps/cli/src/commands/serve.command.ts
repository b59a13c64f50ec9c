import { loadConfig } from '@crm/config';
import { MessagingModule } from '@crm/messaging';
import { type INestApplication, Logger } from '@nestjs/common';
import { createApiApp } from '@crm/http-api';
import {
  forwardedAnalyticsEngine,
  WorkerHostModule,
  WORKER_PART_MODES,
  WorkerModule,
  WorkerProcessHost,
} from '@crm/projections';
import cluster from 'node:cluster';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';
import { serveApiProcess, servePrimary } from './serve-api-processes.runner';

export const serveCommand: CliCommand = {
  summary: 'Run everything from one command: API, relay and projectors (embedded by default)',
  usage: `Usage: crm serve [--worker process|inline] [--api-processes <n>]

Starts the HTTP API, the relay and the projectors. With no URLs configured every port uses its embedded
adapter (SQLite event store, in-process bus, SQLite read model) under DATA_DIR; any of EVENTSTORE_URL,
KAFKA_BROKERS, DATABASE_URL switches that port to its server. With SQL_PORT set it also serves analysts'
read-only SQL on the embedded analytics engine (ClickHouse's HTTP interface; docs/analytics.md). Stops on
SIGINT/SIGTERM after draining in-flight batches.

  --worker process  (default) the relay, the projectors, the Kafka ingest channel and the embedded analytics
                    engine run in a child process (the worker part), on the other core: requests never wait
                    behind their work; the API reaches the engine through it. A crash of the worker part is
                    reported in /health, /metrics and crm status, and it is started again (after 1 s, doubling
                    up to 30 s while it keeps crashing); meanwhile analytics answers are 503.
  --worker inline   everything on one event loop in one process (for comparison and debugging).
  --api-processes n (default API_PROCESSES, 1) HTTP processes sharing PORT beside the worker part (node:cluster,
                    connections handed round-robin): HTTP handling on n cores instead of one, which leaves
                    fewer for the worker part. A crashed API process is reported and started again while the
                    others serve; every answer names its process (x-crm-api-process); /metrics adds them up.`,
  options: { worker: { type: 'string', default: 'process' }, 'api-processes': { type: 'string' } },
  async run(values) {
    const mode = String(values.worker);
    if (!(WORKER_PART_MODES as readonly string[]).includes(mode)) {
      console.error(`crm serve: --worker must be one of ${WORKER_PART_MODES.join(', ')}, not "${mode}"`);
      return EXIT.USAGE;
    }
    const config = loadConfig();
    if (cluster.isWorker) return serveApiProcess(config);
    const flag = values['api-processes'];
    const processes = flag === undefined ? config.API_PROCESSES : Number(flag);
    if (!Number.isInteger(processes) || processes < 1 || processes > 64) {
      console.error(`crm serve: --api-processes must be a whole number from 1 to 64, not "${String(flag)}"`);
      return EXIT.USAGE;
    }
    if (processes > 1 && mode === 'inline') {
      console.error(
        'crm serve: --api-processes above 1 needs the worker part in its process (--worker process)',
      );
      return EXIT.USAGE;
    }
    if (processes > 1) return servePrimary(config, processes);
    const host =
      mode === 'process'
        ? new WorkerProcessHost({ dataDir: config.dataDir, workerId: config.workerId })
        : undefined;
    // The worker boots first: it applies the schema migrations (read model, ClickHouse) once, and opens the
    // engine that the API's analytics reach through it.
    await host?.start();
    let app: INestApplication;
    try {
      app = await createApiApp(config, {
        extraModules: host ? [WorkerHostModule.forRoot(host)] : [MessagingModule.forRoot(), WorkerModule],
        ...(host && !config.CLICKHOUSE_URL
          ? { analyticsEngine: forwardedAnalyticsEngine((request) => host.request(request)) }
          : {}),
      });
      await app.listen(config.PORT, config.HOST);
    } catch (error) {
      // The API did not start (a port taken, a bad migration): the worker must not run on alone.
      await host?.stop();
      throw error;
    }
    Logger.log(
      `Serving on http://localhost:${config.PORT} (Swagger UI at /docs); data in ${config.dataDir}; ` +
        `relay and projectors ${host ? 'in a worker process' : 'on this event loop'}`,
      'crm serve',
    );
    await new Promise<void>((resolve) => app.getHttpServer().once('close', resolve));
    return EXIT.OK;
  },
};
