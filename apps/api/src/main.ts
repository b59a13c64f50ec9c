import 'reflect-metadata';
import { ConfigError, loadConfig } from '@crm/config';
import { Logger } from '@nestjs/common';
import { createApiApp } from '@crm/http-api';

async function main(): Promise<void> {
  const config = loadConfig();
  // The split deployment: without CLICKHOUSE_URL the worker owns the embedded analytics engine.
  const app = await createApiApp(config, { analyticsEngine: 'elsewhere' });
  await app.listen(config.PORT, config.HOST);
  Logger.log(
    `API on http://localhost:${config.PORT} (docs at /docs), event store: ${config.EVENTSTORE_URL ? 'EventStoreDB' : `SQLite in ${config.dataDir}`}`,
    'Bootstrap',
  );
}

main().catch((error: unknown) => {
  // Fail fast, naming the variable: no stack trace for a configuration mistake.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
