import { loadConfig } from '@crm/config';
import { MessagingModule } from '@crm/messaging';
import { Logger } from '@nestjs/common';
import { createApiApp } from '@crm/http-api';
import { WorkerModule } from '@crm/projections';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

export const serveCommand: CliCommand = {
  summary: 'Run everything in one process: API, relay and projectors (embedded by default)',
  usage: `Usage: crm serve

Starts the HTTP API, the relay and the projectors in one process. With no URLs configured every port uses
its embedded adapter (SQLite event store, in-process bus, SQLite read model) under DATA_DIR; any of
EVENTSTORE_URL, KAFKA_BROKERS, DATABASE_URL switches that port to its server. This process owns the embedded
analytics engine; with SQL_PORT set it also serves analysts' read-only SQL there (ClickHouse's HTTP
interface; docs/analytics.md). Stops on SIGINT/SIGTERM after draining in-flight batches.`,
  options: {},
  async run() {
    const config = loadConfig();
    const app = await createApiApp(config, { extraModules: [MessagingModule.forRoot(), WorkerModule] });
    await app.listen(config.PORT, config.HOST);
    Logger.log(
      `Serving on http://localhost:${config.PORT} (Swagger UI at /docs); data in ${config.dataDir}`,
      'crm serve',
    );
    await new Promise<void>((resolve) => app.getHttpServer().once('close', resolve));
    return EXIT.OK;
  },
};
