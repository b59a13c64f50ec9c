import { createEventStore } from '@crm/event-store';
import { EventStoreSink, generate } from '@crm/generator';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import { scratchDatabase } from '../support/postgres-scratch';

const run = promisify(execFile);

/** Issue 12: 100,000 events/s or more into the read model (issue 6 asked 50,000); issue 6: under 500 MB. */
const TARGET_EVENTS_PER_SECOND = 100_000;
const TARGET_PEAK_MIB = 500;
/** Events per customer with the generator's defaults: sizes the population for the wanted event count. */
const EVENTS_PER_CUSTOMER = 10.5;

/**
 * Read-model rebuild throughput: a store filled by the generator once (through the production composition:
 * personal data sealed), then projected from scratch on each run in a child process
 * (bench/rebuild-read-model.ts) whose peak RSS is the "worker memory" figure, two ways:
 * - `rebuild`: what `crm replay read-model` runs (ProjectionRebuilder: shadow tables, read-ahead, swap), at
 *   the rebuild's own batch size: the figure the target is about;
 * - `apply`: the live projector's `apply` over readAll batches of --rebuild-batch, a checkpoint each: the
 *   path Kafka and the in-process bus feed, without a bus.
 * SQLite read model always; PostgreSQL when DATABASE_URL is set.
 */
export function rebuildScenario(options: BenchOptions): Scenario {
  return {
    group: 'rebuild',
    async run(): Promise<ScenarioResult[]> {
      const dir = mkdtempSync(join(tmpdir(), 'crm-bench-rebuild-'));
      try {
        const storeDir = join(dir, 'store');
        const customers = Math.max(100, Math.round(options.rebuildEvents / EVENTS_PER_CUSTOMER));
        log(`rebuild: filling a store with ${customers.toLocaleString('en')} customers' history...`);
        // As `crm generate --append` fills it: personal data sealed with per-customer keys.
        const store = createEventStore({ dataDir: storeDir });
        let stored: number;
        try {
          const summary = await generate({ customers, seed: options.seed }, new EventStoreSink(store));
          stored = summary.events + summary.reactivations;
        } finally {
          await store.close();
        }
        log(`rebuild: ${stored.toLocaleString('en')} events stored`);

        const targets: [string, string | undefined][] = [['SQLite', undefined]];
        if (process.env.DATABASE_URL) targets.push(['PostgreSQL', process.env.DATABASE_URL]);
        else log('rebuild: PostgreSQL skipped (set DATABASE_URL)');
        const results: ScenarioResult[] = [];
        for (const [name, serverUrl] of targets) {
          for (const mode of MODES) {
            const details: Record<string, number>[] = [];
            for (let i = 1; i <= options.runs; i++) {
              const batch = mode === 'apply' ? options.rebuildBatch : undefined;
              const report = await rebuildRun(dir, storeDir, mode, batch, serverUrl).catch(
                (error: unknown) => {
                  // A server gone mid-bench costs this target's figures, not the whole run.
                  log(
                    `${mode} into ${name}, run ${i} failed: ${error instanceof Error ? error.message : error}`,
                  );
                },
              );
              if (!report) break;
              details.push(report);
              log(
                `${mode} into ${name}, run ${i}: ${report.eventsPerSecond} events/s, ` +
                  `${report.cpuMicrosPerEvent} µs of this process's CPU per event, ` +
                  `peak RSS ${Math.round(report.maxRssBytes / 2 ** 20)} MiB`,
              );
            }
            const events = stored.toLocaleString('en');
            const id = `${mode === 'rebuild' ? 'rebuild' : 'apply'}-read-model-${name.toLowerCase()}`;
            results.push(
              {
                id,
                title:
                  mode === 'rebuild'
                    ? `Read-model rebuild into ${name} as crm replay runs it (${events} events)`
                    : `Read-model projector apply into ${name}, batches of ${options.rebuildBatch} (${events} events)`,
                unit: 'events/s',
                samples: details.map((d) => d.eventsPerSecond),
                target: mode === 'rebuild' ? { value: TARGET_EVENTS_PER_SECOND, atLeast: true } : undefined,
                notes:
                  mode === 'rebuild'
                    ? 'ProjectionRebuilder: shadow, read-ahead, swap'
                    : `projector.apply over readAll batches of ${options.rebuildBatch}`,
                details,
              },
              {
                id: `${id}-peak-rss`,
                title: `Peak RSS of the ${mode} process into ${name} (${events} events)`,
                unit: 'MiB',
                samples: details.map((d) => d.maxRssBytes / 2 ** 20),
                target: { value: TARGET_PEAK_MIB, atLeast: false },
                notes: 'target is for 10M events; memory is per batch, not per event',
              },
            );
          }
        }
        return results;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const MODES = ['rebuild', 'apply'] as const;

async function rebuildRun(
  dir: string,
  storeDir: string,
  mode: (typeof MODES)[number],
  batch: number | undefined,
  serverUrl: string | undefined,
): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(dir, 'read-model-'));
  const database = serverUrl ? await scratchDatabase(serverUrl) : undefined;
  try {
    const { stdout } = await run(
      process.execPath,
      [
        join(__dirname, '..', 'rebuild-read-model.js'),
        '--store-dir',
        storeDir,
        '--data-dir',
        dataDir,
        '--mode',
        mode,
        ...(batch ? ['--batch', String(batch)] : []),
        ...(database ? ['--database-url', database.url] : []),
      ],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  } finally {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
