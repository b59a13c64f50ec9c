import { AppConfig, loadConfig } from '@crm/config';
import { EVENT_STORE, EventStore } from '@crm/event-store/event-store.port';
import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp } from '../../apps/api/src/bootstrap/create-api-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { MessagingModule } from '@crm/messaging';

export interface ApiHarness {
  readonly app: INestApplication;
  readonly http: ReturnType<INestApplication['getHttpServer']>;
  readonly store: EventStore;
  readonly config: AppConfig;
  close(): Promise<void>;
}

/**
 * Starts the API as production builds it, on embedded adapters in a fresh temporary data directory.
 * `withWorker` adds the relay and projectors in the same process, as `crm serve` does.
 */
export async function startApi(
  env: Record<string, string> = {},
  options: { withWorker?: boolean } = {},
): Promise<ApiHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', ...env });
  const app = await createApiApp(config, {
    logger: false,
    extraModules: options.withWorker ? [MessagingModule.forRoot(), WorkerModule] : [],
  });
  await app.init();
  return {
    app,
    http: app.getHttpServer(),
    store: app.get<EventStore>(EVENT_STORE),
    config,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
