import type { AppConfig } from '@crm/config';
import { createApiApp, resolveApiKeys } from '@crm/http-api';
import {
  apiProcessNumber,
  ApiClusterModule,
  ApiClusterPrimary,
  apiProcessEnv,
  ApiProcessLink,
  forwardedAnalyticsEngine,
  WorkerHostModule,
  WorkerProcessHost,
} from '@crm/projections';
import { type INestApplication, Logger } from '@nestjs/common';
import { EXIT } from '../exit-codes';

/**
 * `crm serve --api-processes n`, n > 1, in its primary process: the worker part in a child (as with one API
 * process), then n API processes sharing PORT. Resolves once SIGINT/SIGTERM has stopped them all.
 */
export async function servePrimary(config: AppConfig, processes: number): Promise<number> {
  // One development key for all: each process minting its own would leave the printed one valid in one only.
  const { entries } = resolveApiKeys(config);
  const host: WorkerProcessHost = new WorkerProcessHost({
    dataDir: config.dataDir,
    workerId: config.workerId,
    // Called once started, when `primary` is set.
    apiProcesses: () => primary.snapshot(),
    onChange: () => primary.broadcastWorkerPart(),
  });
  const primary: ApiClusterPrimary = new ApiClusterPrimary({
    processes,
    env: (apiProcess) => apiProcessEnv(config, entries, processes, apiProcess),
    ...(config.CLICKHOUSE_URL ? {} : { engine: (request) => host.request(request) }),
    workerPart: () => host.snapshot(),
    onChange: () => host.touch(),
  });
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // The worker part first: it applies the schema migrations and opens the engine the API processes reach.
  await host.start();
  try {
    await primary.start();
  } catch (error) {
    await host.stop();
    throw error;
  }
  Logger.log(
    `Serving on http://localhost:${config.PORT} (Swagger UI at /docs) from ${processes} API processes; ` +
      `data in ${config.dataDir}; relay and projectors in a worker process`,
    'crm serve',
  );
  const signal = await stopped;
  Logger.log(`${signal}: stopping the API processes, then the worker part`, 'crm serve');
  // The API processes first (each drains its requests), then the worker part, which may still take their appends.
  await primary.stop();
  await host.stop();
  return EXIT.OK;
}

/** An API process of `crm serve --api-processes n`: the API, its engine and worker part reached through the primary. */
export async function serveApiProcess(config: AppConfig): Promise<number> {
  const link = new ApiProcessLink(apiProcessNumber());
  let app: INestApplication;
  try {
    app = await createApiApp(config, {
      extraModules: [WorkerHostModule.forRoot(link), ApiClusterModule.forRoot(link)],
      ...(config.CLICKHOUSE_URL
        ? {}
        : { analyticsEngine: forwardedAnalyticsEngine((request) => link.request(request)) }),
    });
    link.mark(app.getHttpServer());
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    // Not serving (the port taken, a failed boot): exit, so that the primary sees it and says so.
    console.error(error);
    process.exit(1);
  }
  link.listening();
  await new Promise<void>((resolve) => app.getHttpServer().once('close', resolve));
  return EXIT.OK;
}
