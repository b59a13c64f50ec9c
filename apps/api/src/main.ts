import 'reflect-metadata';
import { type AppConfig, ConfigError, loadConfig } from '@crm/config';
import { Logger } from '@nestjs/common';
import { createApiApp, resolveApiKeys } from '@crm/http-api';
import {
  ApiClusterModule,
  ApiClusterPrimary,
  apiProcessEnv,
  apiProcessNumber,
  ApiProcessLink,
} from '@crm/projections';
import cluster from 'node:cluster';

async function main(): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) return serveApi(config, new ApiProcessLink(apiProcessNumber()));
  if (config.API_PROCESSES > 1) return servePrimary(config);
  await serveApi(config);
}

/** The HTTP API; one of several (API_PROCESSES) when `link` is given. */
async function serveApi(config: AppConfig, link?: ApiProcessLink): Promise<void> {
  // The split deployment: without CLICKHOUSE_URL the worker owns the embedded analytics engine.
  const app = await createApiApp(config, {
    analyticsEngine: 'elsewhere',
    ...(link ? { extraModules: [ApiClusterModule.forRoot(link)] } : {}),
  });
  link?.mark(app.getHttpServer());
  // An API process that cannot listen exits (main's catch): its primary reports it and fails or restarts it.
  await app.listen(config.PORT, config.HOST);
  link?.listening();
  Logger.log(
    `API on http://localhost:${config.PORT} (docs at /docs), event store: ${config.EVENTSTORE_URL ? 'EventStoreDB' : `SQLite in ${config.dataDir}`}`,
    'Bootstrap',
  );
}

/** API_PROCESSES > 1: that many API processes share PORT (node:cluster); this one restarts and stops them. */
async function servePrimary(config: AppConfig): Promise<void> {
  // One development key for all of them (each process minting its own would leave the printed one valid in one).
  const { entries } = resolveApiKeys(config);
  const processes = config.API_PROCESSES;
  const primary = new ApiClusterPrimary({
    processes,
    env: (apiProcess) => apiProcessEnv(config, entries, processes, apiProcess),
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await primary.start();
  await stopped;
  await primary.stop();
}

main().catch((error: unknown) => {
  // Fail fast, naming the variable: no stack trace for a configuration mistake.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
