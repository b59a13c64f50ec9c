import 'reflect-metadata';
import { ConfigError, JsonLogger, loadConfig } from '@crm/config';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerRootModule } from '@crm/projections';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(
    WorkerRootModule.forRoot(config),
    config.logFormat === 'json' ? { logger: new JsonLogger({ level: config.LOG_LEVEL }) } : {},
  );
  // SIGTERM/SIGINT: finish the batches in hand, commit, hand the relay lease over, then exit.
  app.enableShutdownHooks();
  Logger.log(`Worker ${config.workerId} running (relay + projectors)`, 'Bootstrap');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
