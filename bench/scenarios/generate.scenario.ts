import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchOptions } from '../bench-options';
import { summarize, type Scenario, type ScenarioResult } from '../bench-result';

const run = promisify(execFile);

/**
 * The generator in a child process (so its peak RSS is its own), writing NDJSON to a file and, unless
 * --no-generate-append, appending into an embedded event store (what `crm generate --append` does):
 * events/s and peak resident memory, which must stay flat as the population grows (O(customers) columns,
 * never O(events)). Issue 6 wants 1M customers / 10M events "in minutes": the figures say how many.
 */
export function generateScenario(options: BenchOptions): Scenario {
  return {
    group: 'generate',
    async run(): Promise<ScenarioResult[]> {
      const n = options.generateCustomers.toLocaleString('en');
      const results: ScenarioResult[] = [];
      const modes: ('ndjson' | 'append')[] = options.generateAppend ? ['ndjson', 'append'] : ['ndjson'];
      for (const mode of modes) {
        const details: Record<string, number>[] = [];
        for (let i = 1; i <= options.runs; i++) {
          const dir = mkdtempSync(join(tmpdir(), 'crm-bench-generate-'));
          try {
            const target = mode === 'ndjson' ? ['--out', join(dir, 'events.ndjson')] : ['--append', dir];
            const { stdout } = await run(
              process.execPath,
              [
                join(__dirname, '..', 'generate-run.js'),
                '--customers',
                String(options.generateCustomers),
                '--seed',
                String(options.seed),
                ...target,
                '--quiet',
              ],
              { maxBuffer: 1 << 20 },
            );
            const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
            details.push(report);
            log(
              `generate ${mode} ${n} customers, run ${i}: ${report.events} events, ` +
                `${report.eventsPerSecond} events/s, peak RSS ${Math.round(report.maxRssBytes / 2 ** 20)} MiB`,
            );
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }
        const where = mode === 'ndjson' ? 'NDJSON file' : 'embedded store (crm generate --append)';
        const rate = summarize(details.map((d) => d.eventsPerSecond))?.median ?? Number.NaN;
        results.push(
          {
            id: `generate-${mode}`,
            title: `Generator to ${where}, ${n} customers`,
            unit: 'events/s',
            samples: details.map((d) => d.eventsPerSecond),
            notes: `${details[0]?.events?.toLocaleString('en')} events; 10M events at the median rate: ${(10_000_000 / rate / 60).toFixed(1)} min`,
            details,
          },
          {
            id: `generate-${mode}-peak-rss`,
            title: `Generator peak RSS to ${where}, ${n} customers`,
            unit: 'MiB',
            samples: details.map((d) => d.maxRssBytes / 2 ** 20),
          },
        );
      }
      return results;
    },
  };
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
