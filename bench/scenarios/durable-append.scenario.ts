import { SqliteEventStore } from '@crm/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import {
  type AppendCall,
  fsyncMicros,
  type LaneRun,
  meanEventBytes,
  prepareEvents,
  runLanes,
  sqliteBytes,
  toCalls,
  toLanes,
} from './append-workload';
import { openEmmettRun } from './emmett-sqlite.store';

type Synchronous = 'NORMAL' | 'FULL';

interface Workload {
  readonly callers: number;
  readonly batch: number;
  /** Issue 11's target at full durability, events/s. */
  readonly target?: number;
  /**
   * Whether Emmett's store runs it too: one caller only. An Emmett store instance shares one connection
   * among concurrent calls and closes it when the first ends (SQLITE_MISUSE for the others); separate
   * instances on one file fail most BEGIN IMMEDIATEs with SQLITE_BUSY even with a busy timeout set.
   */
  readonly emmett: boolean;
}

type Run = LaneRun & Record<string, unknown>;

/**
 * Appends at a chosen durability (PRAGMA synchronous; FULL is the production default: flushed before
 * acknowledged), in closed loops of 1 or N concurrent callers, into a fresh file per run: the embedded
 * store with its group commit, and Emmett's SQLite event store on the same workload (one stream per call,
 * the expected version from the previous append, generated events, file-backed) with the same pragma. Each
 * pair of runs is printed as a ratio.
 */
export function durableAppendScenario(options: BenchOptions): Scenario {
  const n = options.durableCallers;
  const workloads: Workload[] = [
    { callers: 1, batch: 1, emmett: true },
    { callers: n, batch: 1, target: 10_000, emmett: false },
    { callers: 1, batch: 100, target: 80_000, emmett: true },
    { callers: n, batch: 100, emmett: false },
  ];
  return {
    group: 'durable',
    async run() {
      const results: ScenarioResult[] = [];
      for (const synchronous of options.durableModes) {
        for (const workload of workloads) results.push(...(await measure(options, workload, synchronous)));
      }
      return results;
    },
  };
}

async function measure(
  options: BenchOptions,
  workload: Workload,
  synchronous: Synchronous,
): Promise<ScenarioResult[]> {
  const { callers, batch } = workload;
  const label = `${callers} caller${callers === 1 ? '' : 's'} x ${batch} event${batch === 1 ? '' : 's'}/call`;
  const id = `durable-${synchronous.toLowerCase()}-${callers}x${batch}`;
  const prepared = prepareEvents(
    options.seed,
    batch === 1 ? options.durableEvents : options.durableBatchEvents,
  );
  const lanes = toLanes(toCalls(prepared, batch), callers);
  const emmettLanes = toLanes(
    toCalls(prepared.slice(0, batch === 1 ? options.emmettEvents : options.emmettEvents * 10), batch),
    callers,
  );
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const measured = await embeddedRun(lanes, synchronous);
    ours.push(measured);
    log(`${id} embedded, run ${run}: ${Math.round(measured.eventsPerSecond)} events/s`);
    if (workload.emmett) {
      const other = await emmettRun(emmettLanes, synchronous);
      theirs.push(other);
      log(`${id} emmett, run ${run}: ${Math.round(other.eventsPerSecond)} events/s`);
    }
  }
  const bytes = meanEventBytes(prepared);
  const results: ScenarioResult[] = [
    {
      id: `${id}-embedded`,
      title: `Embedded store, synchronous ${synchronous}, ${label}`,
      unit: 'events/s',
      samples: ours.map((r) => r.eventsPerSecond),
      ...(workload.target && synchronous === 'FULL'
        ? { target: { value: workload.target, atLeast: true } }
        : {}),
      notes:
        `${bytes} bytes of JSON per event; ${Math.round(median(ours.map((r) => r.eventsPerCommit as number)))} ` +
        `events per commit; ${median(ours.map((r) => r.cpuMicrosPerEvent))} µs CPU per event; ` +
        `fdatasync of 4 KiB before the runs: ${median(ours.map((r) => r.fsyncMicrosBefore as number))} µs`,
      details: ours,
    },
  ];
  if (workload.emmett) {
    results.push(
      {
        id: `${id}-emmett`,
        title: `Emmett SQLite store, synchronous ${synchronous}, ${label}`,
        unit: 'events/s',
        samples: theirs.map((r) => r.eventsPerSecond),
        notes: `@event-driven-io/emmett-sqlite 0.38.5 on sqlite3 5.1.7`,
        details: theirs,
      },
      {
        id: `${id}-ratio`,
        title: `Embedded / Emmett, synchronous ${synchronous}, ${label}`,
        unit: 'x',
        samples: ours.map((r, i) => r.eventsPerSecond / theirs[i].eventsPerSecond),
      },
    );
  }
  return results;
}

async function embeddedRun(lanes: readonly AppendCall[][], synchronous: Synchronous): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-durable-'));
  const file = join(dir, 'events.sqlite');
  let commits = 0;
  let commitMs = 0;
  const fsyncBefore = fsyncMicros(dir);
  const store = new SqliteEventStore(file, {
    synchronous,
    onCommit: (commit) => {
      commits += 1;
      commitMs += commit.ms;
    },
  });
  try {
    if (store.synchronous !== synchronous) throw new Error(`synchronous is ${store.synchronous}`);
    const run = await runLanes<number>(lanes, async (call, expected) => {
      const result = await store.appendToStream(call.streamId, call.events, {
        expectedRevision: expected ?? 'no_stream',
      });
      return result.nextExpectedRevision;
    });
    return {
      ...run,
      commits,
      eventsPerCommit: run.events / commits,
      /** Share of the wall time spent inside commits (statements, COMMIT and fsync), on the event loop. */
      commitShare: Math.round((commitMs / run.ms) * 100) / 100,
      msPerCommit: Math.round((commitMs / commits) * 1000) / 1000,
      fsyncMicrosBefore: fsyncBefore,
      fileBytes: sqliteBytes(file),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function emmettRun(lanes: readonly AppendCall[][], synchronous: Synchronous): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-emmett-'));
  const file = join(dir, 'events.sqlite');
  const emmett = openEmmettRun(file, lanes.length, synchronous);
  try {
    // Creates the schema outside the measurement (each instance checks it on its first call).
    await Promise.all(emmett.stores.map((store) => store.readStream('warm-up')));
    const appends = emmett.stores.map((store) => emmett.appendWith(store));
    const run = await runLanes<bigint>(lanes, (call, expected, lane) => appends[lane](call, expected, lane));
    const levels = [...new Set(emmett.observedSynchronous)];
    const wanted = synchronous === 'FULL' ? 2 : 1;
    if (levels.length !== 1 || levels[0] !== wanted)
      throw new Error(`Emmett's connections ran with synchronous ${levels.join(',')}, not ${wanted}`);
    return { ...run, connections: emmett.observedSynchronous.length, fileBytes: sqliteBytes(file) };
  } finally {
    emmett.restore();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
