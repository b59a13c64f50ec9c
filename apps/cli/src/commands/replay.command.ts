import { ANALYTICS_CLIENT, EmbeddedEngineBusyError, selectRows, type AnalyticsClient } from '@crm/analytics';
import { loadConfig } from '@crm/config';
import {
  RebuildAlreadyRunningError,
  RebuildInterruptedError,
  UnknownProjectionError,
  type RebuildResult,
} from '@crm/read-model';
import { NestFactory } from '@nestjs/core';
import { ProjectionRebuildService } from '@crm/projections';
import { RebuildRootModule } from '@crm/projections';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';
import { duration } from '../progress/progress-text';
import { ReplayProgressReporter } from './replay-progress.reporter';

const USAGE = `Usage: crm replay <projection | all> [--from-scratch] [--batch N] [--json]

Rebuilds a projection from the event store while the live one keeps serving: the events are read in large
batches straight from the store into shadow tables, which are swapped in atomically once they reached the
head (events appended meanwhile are applied inside the swap). Progress (rate, ETA) goes to stderr.

Resumable: an interrupted replay (Ctrl-C, a crash, a kill) continues from the shadow's checkpoint when run
again. Only one replay of a projection runs at a time, across processes.

  <projection>     customer-read-model (alias read-model), analytics, or all (each projection in turn)
  --from-scratch   discard what an interrupted replay built and start from the first event
  --batch N        events per read and per shadow transaction (default REBUILD_BATCH_SIZE, else per
                   projection: read model 5000, analytics 10000)
  --json           print each result as JSON on stdout

Exit codes: 0 rebuilt; 1 failed; 2 usage error or unknown projection; 3 a replay of that projection is
already running elsewhere (or died less than REBUILD_LEASE_TTL_MS ago); 130 interrupted (run again to
resume).

The embedded analytics engine (no CLICKHOUSE_URL) admits one process per DATA_DIR: beside a running
\`crm serve\` on the same DATA_DIR, \`crm replay analytics\` exits 3; rebuild it through the serving process
instead: POST /v1/admin/projections/analytics/rebuild.`;

const summary = (r: RebuildResult) =>
  `${r.projection}: rebuilt, ${r.eventsApplied} events applied up to position ${r.position} in ` +
  `${duration(r.elapsedMs)}${r.resumed ? ` (resumed at position ${r.startPosition})` : ''}` +
  `${r.caughtUpInSwap > 0 ? `, ${r.caughtUpInSwap} of them appended meanwhile and applied in the swap` : ''}` +
  `${r.skipped.length > 0 ? `; ${r.skipped.length} malformed event(s) left out, as the live projector dead-letters them` : ''}`;

const asJson = (r: RebuildResult) =>
  JSON.stringify(r, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

export const replayCommand: CliCommand = {
  summary: 'Rebuild a projection from the event store (resumable, swapped in atomically)',
  usage: USAGE,
  options: {
    'from-scratch': { type: 'boolean' },
    batch: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    const [target, ...extra] = positionals;
    const batch = values.batch === undefined ? undefined : Number(values.batch);
    if (
      target === undefined ||
      extra.length > 0 ||
      (batch !== undefined && !(Number.isInteger(batch) && batch >= 1))
    ) {
      console.error(
        `crm replay: ${target === undefined || extra.length > 0 ? 'give one projection, or all' : '--batch must be an integer >= 1'}\n\n${USAGE}`,
      );
      return EXIT.USAGE;
    }
    // The analytics store is opened only when the replay may need it (not for the read model alone).
    const analytics = !['customer-read-model', 'read-model'].includes(target);
    const app = await NestFactory.createApplicationContext(
      RebuildRootModule.forRoot(loadConfig(), { analytics }),
      { logger: false },
    );
    const controller = new AbortController();
    const stop = () => {
      if (controller.signal.aborted) process.exit(EXIT.INTERRUPTED); // a second Ctrl-C: now
      console.error('\ncrm replay: stopping after the current batch (Ctrl-C again to quit at once)');
      controller.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      const service = app.get(ProjectionRebuildService);
      // Unknown names fail before anything runs.
      const names = target === 'all' ? service.names() : [service.projection(target).name];
      for (const name of names) {
        // Before the lease: a busy engine is not a failed rebuild.
        if (name === 'analytics')
          await selectRows(app.get<AnalyticsClient>(ANALYTICS_CLIENT).client, 'SELECT 1');
        const progress = new ReplayProgressReporter();
        try {
          const result = await service.run(name, {
            fromScratch: values['from-scratch'] === true,
            batchSize: batch,
            signal: controller.signal,
            onProgress: progress.update,
          });
          for (const skipped of result.skipped) {
            console.error(
              `crm replay: left out ${skipped.eventId} (position ${skipped.globalPosition}, ${skipped.streamId}): ` +
                skipped.reason,
            );
          }
          console.log(values.json ? asJson(result) : summary(result));
        } finally {
          progress.end();
        }
      }
      return EXIT.OK;
    } catch (error) {
      if (error instanceof UnknownProjectionError) {
        console.error(`crm replay: ${error.message}\n\n${USAGE}`);
        return EXIT.USAGE;
      }
      if (error instanceof RebuildAlreadyRunningError) {
        console.error(`crm replay: ${error.message}`);
        return EXIT.BUSY;
      }
      if (error instanceof EmbeddedEngineBusyError) {
        console.error(
          `crm replay: ${error.message}. Rebuild analytics through the serving process instead: ` +
            'POST /v1/admin/projections/analytics/rebuild',
        );
        return EXIT.BUSY;
      }
      if (error instanceof RebuildInterruptedError) {
        console.error(`crm replay: ${error.message}`);
        return EXIT.INTERRUPTED;
      }
      console.error(`crm replay: failed: ${(error as Error).message ?? String(error)}`);
      return EXIT.FAILURE;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await app.close();
    }
  },
};
