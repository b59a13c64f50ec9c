import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';

const run = promisify(execFile);

/**
 * The generator writing NDJSON to a file, in a child process (so its peak RSS is its own): events/s and peak
 * resident memory, which must stay flat as the population grows (O(customers) columns, never O(events)).
 */
export function generateScenario(options: BenchOptions): Scenario {
  return {
    group: 'generate',
    async run(): Promise<ScenarioResult[]> {
      const details: Record<string, unknown>[] = [];
      for (let i = 1; i <= options.runs; i++) {
        const dir = mkdtempSync(join(tmpdir(), 'crm-bench-generate-'));
        try {
          const { stdout } = await run(
            process.execPath,
            [
              ...process.execArgv,
              join(__dirname, '..', 'generate-ndjson.js'),
              '--customers',
              String(options.generateCustomers),
              '--seed',
              String(options.seed),
              '--out',
              join(dir, 'events.ndjson'),
              '--quiet',
            ],
            { maxBuffer: 1 << 20 },
          );
          const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
          details.push(report);
          log(
            `generate ${options.generateCustomers} customers, run ${i}: ${report.events} events, ` +
              `${report.eventsPerSecond} events/s, peak RSS ${Math.round(report.maxRssBytes / 2 ** 20)} MiB`,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const n = options.generateCustomers.toLocaleString('en');
      return [
        {
          id: 'generate-ndjson',
          title: `Generator to NDJSON file, ${n} customers`,
          unit: 'events/s',
          samples: details.map((d) => d.eventsPerSecond as number),
          notes: `${(details[0]?.events as number | undefined)?.toLocaleString('en')} events`,
          details,
        },
        {
          id: 'generate-peak-rss',
          title: `Generator peak RSS, ${n} customers`,
          unit: 'MiB',
          samples: details.map((d) => (d.maxRssBytes as number) / 2 ** 20),
          details: [],
        },
      ];
    },
  };
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
