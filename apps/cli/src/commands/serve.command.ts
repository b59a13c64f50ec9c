import { embeddedConnection } from '@crm/analytics';
import { loadConfig } from '@crm/config';
import { MessagingModule } from '@crm/messaging';
import { Logger } from '@nestjs/common';
import { createApiApp } from '@crm/http-api';
import { WorkerHostModule, WorkerModule, WorkerProcessHost } from '@crm/projections';
import { join } from 'node:path';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

const MODES = ['process', 'inline'] as const;

export const serveCommand: CliCommand = {
  summary: 'Run everything from one command: API, relay and projectors (embedded by default)',
  usage: `Usage: crm serve [--worker process|inline]

Starts the HTTP API, the relay and the projectors. With no URLs configured every port uses its embedded
adapter (SQLite event store, in-process bus, SQLite read model) under DATA_DIR; any of EVENTSTORE_URL,
KAFKA_BROKERS, DATABASE_URL switches that port to its server. This process owns the embedded analytics engine;
with SQL_PORT set it also serves analysts' read-only SQL there (ClickHouse's HTTP interface; docs/analytics.md).
Stops on SIGINT/SIGTERM after draining in-flight batches.

  --worker process  (default) the relay, the projectors and the Kafka ingest channel run in a child process
                    (the worker part) on the other core: requests never wait behind their work. A crash of
                    the worker part is reported in /health, /metrics and crm status, and it is started again
                    (after 1 s, doubling up to 30 s while it keeps crashing).
  --worker inline   everything on one event loop in one process (for comparison and debugging).`,
  options: { worker: { type: 'string', default: 'process' } },
  async run(values) {
    const mode = String(values.worker);
    if (!(MODES as readonly string[]).includes(mode)) {
      console.error(`crm serve: --worker must be one of ${MODES.join(', ')}, not "${mode}"`);
      return EXIT.USAGE;
    }
    const config = loadConfig();
    const host =
      mode === 'process'
        ? new WorkerProcessHost({
            dataDir: config.dataDir,
            workerId: config.workerId,
            // The engine stays here; the worker's analytics statements are run on it.
            ...(config.CLICKHOUSE_URL
              ? {}
              : { engine: embeddedConnection(join(config.dataDir, 'clickhouse')) }),
          })
        : undefined;
    const app = await createApiApp(config, {
      extraModules: host ? [WorkerHostModule.forRoot(host)] : [MessagingModule.forRoot(), WorkerModule],
    });
    await app.listen(config.PORT, config.HOST);
    // After the API's boot: the schema migrations (read model, ClickHouse) have run once, here.
    host?.start();
    Logger.log(
      `Serving on http://localhost:${config.PORT} (Swagger UI at /docs); data in ${config.dataDir}; ` +
        `relay and projectors ${host ? 'in a worker process' : 'on this event loop'}`,
      'crm serve',
    );
    await new Promise<void>((resolve) => app.getHttpServer().once('close', resolve));
    return EXIT.OK;
  },
};
