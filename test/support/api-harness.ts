import { AppConfig, loadConfig } from '@crm/config';
import { EVENT_STORE, EventStore } from '@crm/event-store';
import { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintApiKey } from '@crm/http-api';
import { ALL_SCOPES } from '@crm/http-api';
import { createApiApp } from '@crm/http-api';
import { WorkerModule } from '@crm/projections';
import { MessagingModule } from '@crm/messaging';

export interface ApiHarness {
  readonly app: INestApplication;
  readonly http: ReturnType<INestApplication['getHttpServer']>;
  readonly store: EventStore;
  readonly config: AppConfig;
  /**
   * The harness's own key (every scope, a limit no suite reaches), or undefined when the caller set
   * API_KEYS. Unless `sendKey: false`, every request reaching the server without an Authorization header
   * gets this one, so suites that are not about access control need not think about keys.
   */
  readonly apiKey?: string;
  close(): Promise<void>;
}

/** Adds the harness key to requests that carry no Authorization header, before Express sees them. */
function sendKeyByDefault(server: Server, token: string): void {
  server.prependListener('request', (req: IncomingMessage) => {
    if (req.headers.authorization === undefined) req.headers.authorization = `Bearer ${token}`;
  });
}

/**
 * Starts the API as production builds it, on embedded adapters in a fresh temporary data directory.
 * `withWorker` adds the relay and projectors in the same process, as `crm serve` does.
 */
export async function startApi(
  env: Record<string, string> = {},
  options: { withWorker?: boolean; sendKey?: boolean } = {},
): Promise<ApiHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  const harnessKey =
    env.API_KEYS === undefined
      ? mintApiKey('e2e-harness', ALL_SCOPES, { perSecond: 1_000_000, burst: 1_000_000 })
      : undefined;
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    ...(harnessKey ? { API_KEYS: JSON.stringify([harnessKey.entry]) } : {}),
    ...env,
  });
  const app = await createApiApp(config, {
    logger: false,
    extraModules: options.withWorker ? [MessagingModule.forRoot(), WorkerModule] : [],
  });
  await app.init();
  if (harnessKey && options.sendKey !== false) sendKeyByDefault(app.getHttpServer(), harnessKey.token);
  return {
    app,
    http: app.getHttpServer(),
    store: app.get<EventStore>(EVENT_STORE),
    config,
    apiKey: harnessKey?.token,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
