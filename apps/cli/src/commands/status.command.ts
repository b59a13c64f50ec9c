import { AppConfig, loadConfig } from '@crm/config';
import { existsSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { PipelineLagQuery } from '@crm/http-api';
import { AppModule } from '@crm/http-api';
import { probeKafka } from '@crm/messaging';
import { readWorkerPartState, type ReportedWorkerPart } from '@crm/projections';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

const SECOND_LOOK_MS = 2_000;

export const statusCommand: CliCommand = {
  summary: "Show each pipeline stage's position and lag (events, ms)",
  usage: `Usage: crm status [--json]

Prints the relay's and each projection's (read model, analytics) position, state (live, lagging, stalled,
unavailable) and how far behind the event store's head they are, and with KAFKA_BROKERS whether the bus
answers (up, or down with the reason). DATA_DIR must exist.
  --json   machine-readable output`,
  options: { json: { type: 'boolean' } },
  async run(values) {
    const config = loadConfig();
    // Status reads; it must not create an empty data directory and stores where the user mistyped a path.
    const missing = missingDataDir(config);
    if (missing) {
      console.error(missing);
      return EXIT.FAILURE;
    }
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: false,
    });
    try {
      const query = app.get(PipelineLagQuery);
      let stages = await query.stages();
      // One look cannot tell a slow stage from a stuck one: look again before calling a stage stalled.
      if (stages.some((s) => s.state === 'stalled')) {
        await new Promise((resolve) => setTimeout(resolve, SECOND_LOOK_MS));
        stages = await query.stages();
      }
      const brokers = config.kafkaBrokers;
      const bus = brokers ? await probeKafka(brokers) : undefined;
      const worker = readWorkerPartState(config.dataDir);
      if (values.json)
        console.log(
          JSON.stringify({ stages, ...(bus ? { bus } : {}), ...(worker ? { worker } : {}) }, null, 2),
        );
      else {
        console.log('stage                 state        position      head          lag events   lag ms');
        for (const s of stages) {
          const lag = `${s.lagEvents}${s.lagEventsCapped ? '+' : ''}`;
          console.log(
            `${s.name.padEnd(22)}${s.state.padEnd(13)}${String(s.position ?? '-').padEnd(14)}` +
              `${s.headPosition.padEnd(14)}${lag.padEnd(13)}${s.lagMs}`,
          );
          if (s.reason) console.log(`  ${s.name}: ${s.reason}`);
        }
        if (bus) {
          const why = bus.state === 'down' ? ` (${bus.reason})` : '';
          console.log(`bus (kafka ${bus.brokers.join(',')}): ${bus.state}${why}`);
        }
        const line = workerPartLine(worker);
        if (line) console.log(line);
        const api = worker?.processAlive ? apiProcessesLine(worker) : undefined;
        if (api) console.log(api);
      }
      return EXIT.OK;
    } finally {
      await app.close();
    }
  },
};

/** `crm serve`'s worker process as it last recorded itself in DATA_DIR; nothing once that process has stopped. */
function workerPartLine(worker: ReportedWorkerPart): string | undefined {
  if (!worker) return undefined;
  const where = `worker part of crm serve (pid ${worker.pid})`;
  if (!worker.processAlive)
    return worker.state === 'stopped' ? undefined : `${where}: that process is gone (it was ${worker.state})`;
  const restarts = `${worker.restarts} restart${worker.restarts === 1 ? '' : 's'}`;
  const crash = worker.lastCrash
    ? `; last crash at ${worker.lastCrash.at}: ${worker.lastCrash.error.split('\n')[0]}`
    : '';
  const next =
    worker.state === 'restarting' && worker.nextStartAt ? `, starting again at ${worker.nextStartAt}` : '';
  const pid = worker.workerPid !== undefined ? ` (worker pid ${worker.workerPid})` : '';
  return `${where}: ${worker.state}${pid}${next}, ${restarts}${crash}`;
}

/** Why there is nothing to report: an embedded adapter's DATA_DIR that does not exist. */
function missingDataDir(config: AppConfig): string | undefined {
  const embedded = !config.EVENTSTORE_URL || !config.DATABASE_URL || !config.CLICKHOUSE_URL;
  if (!embedded || existsSync(config.dataDir)) return undefined;
  return (
    `DATA_DIR ${config.dataDir} does not exist: no pipeline to report on there. Point DATA_DIR at the ` +
    'directory crm serve uses (or run crm migrate or crm serve to create one).'
  );
}

/** `crm serve --api-processes n`: how many of its API processes listen, and their last crash. */
function apiProcessesLine(worker: NonNullable<ReportedWorkerPart>): string | undefined {
  const api = worker.api;
  if (!api) return undefined;
  const restarts = `${api.restarts} restart${api.restarts === 1 ? '' : 's'}`;
  const crash = api.lastCrash
    ? `; last crash of API process ${api.lastCrash.apiProcess} at ${api.lastCrash.at}: ${api.lastCrash.error}`
    : '';
  return `API processes of crm serve: ${api.up} of ${api.processes} listening, ${restarts}${crash}`;
}
