import type { EventToAppend } from '@crm/event-store';
import { SqliteEventStore } from '@crm/event-store';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';
import { type PreparedEvent, prepareEvents } from './append-workload';

type Prepared = PreparedEvent;

/** Target of issue 6: at least 50,000 events/s appended in batches of 100. */
const TARGET_BATCH = 100;
const TARGET_EVENTS_PER_SECOND = 50_000;

/**
 * Append throughput of the embedded SQLite store (a real file, WAL, the production pragmas), with generated
 * events (real payload sizes). One event per call: each event goes to its customer's stream in global order,
 * with the expected revision, exactly as the API appends a customer's share of a request. N events per call:
 * N consecutive events appended to one fresh stream in one transaction.
 */
export function appendScenario(options: BenchOptions): Scenario {
  return {
    group: 'append',
    async run() {
      const results: ScenarioResult[] = [];
      for (const batch of options.appendBatches) {
        const count = batch === 1 ? options.appendSingleEvents : options.appendEvents;
        const events = prepareEvents(options.seed, count);
        const details: Record<string, unknown>[] = [];
        for (let run = 1; run <= options.runs; run++) {
          const measured = await appendRun(events, batch, options.synchronous);
          details.push(measured);
          log(`append batch ${batch}, run ${run}: ${Math.round(measured.eventsPerSecond)} events/s`);
        }
        results.push({
          id: `append-batch-${batch}`,
          title: `SQLite append, ${batch} event${batch === 1 ? '' : 's'}/call (${count.toLocaleString('en')} events)`,
          unit: 'events/s',
          samples: details.map((d) => d.eventsPerSecond as number),
          ...(batch === TARGET_BATCH ? { target: { value: TARGET_EVENTS_PER_SECOND, atLeast: true } } : {}),
          notes: `synchronous=${options.synchronous}`,
          details,
        });
      }
      return results;
    },
  };
}

async function appendRun(
  events: readonly Prepared[],
  batch: number,
  synchronous: 'NORMAL' | 'FULL',
): Promise<Record<string, unknown> & { eventsPerSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-append-'));
  const file = join(dir, 'events.sqlite');
  const store = new SqliteEventStore(file, { synchronous });
  try {
    const calls: { streamId: string; events: EventToAppend[] }[] = [];
    if (batch === 1) for (const { streamId, event } of events) calls.push({ streamId, events: [event] });
    else {
      for (let i = 0; i < events.length; i += batch) {
        calls.push({
          streamId: `bench-${i / batch}`,
          events: events.slice(i, i + batch).map((p) => p.event),
        });
      }
    }
    const revisions = new Map<string, number>();
    const start = performance.now();
    for (const call of calls) {
      const revision = revisions.get(call.streamId);
      const result = await store.appendToStream(call.streamId, call.events, {
        expectedRevision: revision ?? 'no_stream',
      });
      if (batch === 1) revisions.set(call.streamId, result.nextExpectedRevision);
    }
    const ms = performance.now() - start;
    return {
      events: events.length,
      calls: calls.length,
      ms: Math.round(ms),
      eventsPerSecond: events.length / (ms / 1000),
      microsecondsPerCall: Math.round((ms * 1000) / calls.length),
      fileBytes: statSync(file).size + safeSize(`${file}-wal`),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function safeSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
