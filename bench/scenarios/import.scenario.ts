import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';

const run = promisify(execFile);

/** Target of issue 11: `crm import` of the CDNOW master appends at least 50,000 events/s. */
const TARGET_EVENTS_PER_SECOND = 50_000;

/**
 * `crm import` of the CDNOW master (93,229 events for 23,570 customers) as a new user runs it: the built
 * binary in its own process, onto a fresh embedded store, through the write path (validation, decider,
 * append). Events/s is appended events over the importer's own elapsed time; process CPU is beside it,
 * since on a shared machine wall time says as much about the neighbours as about the import.
 */
export function importScenario(options: BenchOptions): Scenario {
  return {
    group: 'import',
    async run(): Promise<ScenarioResult[]> {
      const file = cdnowMaster();
      const crm = resolve(__dirname, '../../../bin/crm.js');
      if (!existsSync(file)) {
        return [
          {
            id: 'import-cdnow',
            title: 'crm import, CDNOW master',
            unit: 'events/s',
            samples: [],
            pending: `needs ${file}`,
          },
        ];
      }
      const details: Record<string, number>[] = [];
      for (let i = 1; i <= options.runs; i++) {
        const dir = mkdtempSync(join(tmpdir(), 'crm-bench-import-'));
        try {
          const started = process.hrtime.bigint();
          const { stdout } = await run(process.execPath, [crm, 'import', file, '--json', '--quiet'], {
            env: { ...process.env, DATA_DIR: dir, EVENTSTORE_URL: '', LOG_LEVEL: 'warn' },
            maxBuffer: 1 << 20,
          });
          const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
          const summary = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
          const eventsPerSecond = Math.round(summary.appended / (summary.elapsedMs / 1000));
          const cpuMicrosPerEvent = Math.round((summary.cpuMs * 1000) / summary.appended);
          // The import runs on two threads (parse + validate, decide + append): the busier one bounds it.
          const perEvent = (ms: number | undefined) =>
            ms === undefined ? '?' : String(Math.round((ms * 1000) / summary.appended));
          details.push({ ...summary, eventsPerSecond, cpuMicrosPerEvent, processWallMs: Math.round(wallMs) });
          log(
            `import CDNOW master, run ${i}: ${summary.appended} events in ${summary.elapsedMs} ms, ` +
              `${eventsPerSecond} events/s, ${cpuMicrosPerEvent} µs CPU/event ` +
              `(main thread ${perEvent(summary.mainThreadCpuMs)}, parse thread ${perEvent(summary.parseThreadCpuMs)}) ` +
              `(process ${Math.round(wallMs)} ms with start-up)`,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      return [
        {
          id: 'import-cdnow',
          title: 'crm import, CDNOW master (93,229 events), embedded store',
          unit: 'events/s',
          samples: details.map((d) => d.eventsPerSecond),
          target: { value: TARGET_EVENTS_PER_SECOND, atLeast: true },
          notes:
            'appended events / importer elapsed time (start-up excluded); cpuMicrosPerEvent: the importer process ' +
            'CPU over that time per event (1 s / it bounds one core)',
          details,
        },
      ];
    },
  };
}

/** CDNOW_MASTER, else ../shared/datasets/cdnow beside the checkout (or beside its parent, for worktrees). */
function cdnowMaster(): string {
  if (process.env.CDNOW_MASTER) return resolve(process.env.CDNOW_MASTER);
  const root = resolve(__dirname, '../../..');
  const candidates = ['..', '../..'].map((up) => resolve(root, up, 'shared/datasets/cdnow/CDNOW_master.txt'));
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
