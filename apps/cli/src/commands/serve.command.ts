import { loadConfig } from '@crm/config';
import { MessagingModule } from '@crm/messaging';
import { Logger } from '@nestjs/common';
import { createApiApp } from '@crm/http-api';
import { WorkerHostModule, WorkerModule, WorkerThreadHost } from '@crm/projections';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

const MODES = ['thread', 'inline'] as const;

export const serveCommand: CliCommand = {
  summary: 'Run everything in one process: API, relay and projectors (embedded by default)',
  usage: `Usage: crm serve [--worker thread|inline]

Starts the HTTP API, the relay and the projectors in one process. With no URLs configured every port uses
its embedded adapter (SQLite event store, in-process bus, SQLite read model) under DATA_DIR; any of
EVENTSTORE_URL, KAFKA_BROKERS, DATABASE_URL switches that port to its server. This process owns the embedded
analytics engine; with SQL_PORT set it also serves analysts' read-only SQL there (ClickHouse's HTTP
interface; docs/analytics.md). Stops on SIGINT/SIGTERM after draining in-flight batches.

  --worker thread   (default) the relay, the projectors and the Kafka ingest channel run in a worker
                    thread: requests never wait behind their work. A crash of that thread is reported in
                    /health and crm status, and the thread is started again (1 s, doubling up to 30 s).
  --worker inline   everything on one event loop (as before; for comparison and debugging).
  --crash-worker-after <ms>
                    fault injection for tests: the worker thread's first start throws after <ms>.`,
  options: {
    worker: { type: 'string', default: 'thread' },
    'crash-worker-after': { type: 'string' },
  },
  async run(values) {
    const mode = String(values.worker);
    if (!(MODES as readonly string[]).includes(mode)) {
      console.error(`crm serve: --worker must be one of ${MODES.join(', ')}, not "${mode}"`);
      return EXIT.USAGE;
    }
    const crashAfter = values['crash-worker-after'];
    if (crashAfter !== undefined && !/^\d{1,9}$/.test(String(crashAfter))) {
      console.error('crm serve: --crash-worker-after takes milliseconds (digits)');
      return EXIT.USAGE;
    }
    const config = loadConfig();
    const host =
      mode === 'thread'
        ? new WorkerThreadHost({
            dataDir: config.dataDir,
            ...(crashAfter !== undefined ? { crashAfterMs: Number(crashAfter) } : {}),
          })
        : undefined;
    const app = await createApiApp(config, {
      extraModules: host ? [WorkerHostModule.forRoot(host)] : [MessagingModule.forRoot(), WorkerModule],
    });
    await app.listen(config.PORT, config.HOST);
    // After the API's boot: the schema migrations (read model, ClickHouse) have run once, in this thread.
    host?.start();
    Logger.log(
      `Serving on http://localhost:${config.PORT} (Swagger UI at /docs); data in ${config.dataDir}; ` +
        `relay and projectors ${host ? 'in a worker thread' : 'on the API event loop'}`,
      'crm serve',
    );
    await new Promise<void>((resolve) => app.getHttpServer().once('close', resolve));
    return EXIT.OK;
  },
};
