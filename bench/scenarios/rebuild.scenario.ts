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

/** Targets of issue 6: 50,000 events/s or more into the read model; under 500 MB during a 10M-event rebuild. */
const TARGET_EVENTS_PER_SECOND = 50_000;
const TARGET_PEAK_MIB = 500;
/** Events per customer with the generator's defaults: sizes the population for the wanted event count. */
const EVENTS_PER_CUSTOMER = 10.5;

/**
 * Read-model rebuild throughput: a store filled by the generator once (through the production composition:
 * personal data sealed), then projected from scratch on each run by the real projector over readAll batches
 * of the opened store (keys looked up, upcasters applied), in a child process (bench/rebuild-read-model.ts) whose
 * peak RSS is the "worker memory" figure. SQLite read model always; PostgreSQL when DATABASE_URL is set.
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
          const details: Record<string, number>[] = [];
          for (let i = 1; i <= options.runs; i++) {
            const report = await rebuildRun(dir, storeDir, options.rebuildBatch, serverUrl).catch(
              (error: unknown) => {
                // A server gone mid-bench costs this target's figures, not the whole run.
                log(
                  `rebuild into ${name}, run ${i} failed: ${error instanceof Error ? error.message : error}`,
                );
              },
            );
            if (!report) break;
            details.push(report);
            log(
              `rebuild into ${name}, run ${i}: ${report.eventsPerSecond} events/s (read ${report.readMs} ms, ` +
                `apply ${report.applyMs} ms), peak RSS ${Math.round(report.maxRssBytes / 2 ** 20)} MiB`,
            );
          }
          const events = stored.toLocaleString('en');
          results.push(
            {
              id: `rebuild-read-model-${name.toLowerCase()}`,
              title: `Read-model rebuild into ${name} (${events} events)`,
              unit: 'events/s',
              samples: details.map((d) => d.eventsPerSecond),
              target: { value: TARGET_EVENTS_PER_SECOND, atLeast: true },
              notes: `projector over readAll batches of ${options.rebuildBatch}`,
              details,
            },
            {
              id: `rebuild-read-model-${name.toLowerCase()}-peak-rss`,
              title: `Projector process peak RSS, rebuild into ${name} (${events} events)`,
              unit: 'MiB',
              samples: details.map((d) => d.maxRssBytes / 2 ** 20),
              target: { value: TARGET_PEAK_MIB, atLeast: false },
              notes: 'target is for 10M events; memory is per batch, not per event',
            },
          );
        }
        return results;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function rebuildRun(
  dir: string,
  storeDir: string,
  batch: number,
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
        '--batch',
        String(batch),
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
