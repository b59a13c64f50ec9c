import { customerStreamId } from '@crm/domain';
import type { EventToAppend } from '@crm/event-store';
import { LifecycleGenerator } from '@crm/generator';
import { toEventToAppend } from '@crm/ingest';
import { closeSync, fdatasyncSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Append workloads shared by the append scenarios: generated events, as calls, split among callers. */

export interface PreparedEvent {
  readonly streamId: string;
  readonly event: EventToAppend;
}

/** One append call: one stream, its events, and (in a lane) its place after the previous call's revision. */
export interface AppendCall {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
}

/**
 * Appends one call with the expected revision the previous call on that stream returned (undefined: the
 * stream is new), and returns the revision to expect next. Each store maps this to its own API. `lane`:
 * which caller makes the call.
 */
export type AppendOne<Revision> = (
  call: AppendCall,
  expected: Revision | undefined,
  lane: number,
) => Promise<Revision>;

/** The first `count` events a population produces, as the store would receive them (real payloads). */
export function prepareEvents(seed: number, count: number): PreparedEvent[] {
  const prepared: PreparedEvent[] = [];
  const generator = new LifecycleGenerator({ customers: Math.ceil(count / 9), seed });
  for (const { published, emitted } of generator) {
    const streamId = customerStreamId(published.customerId);
    for (const e of emitted) prepared.push({ streamId, event: toEventToAppend(e, published) });
    if (prepared.length >= count) break;
  }
  return prepared.slice(0, count);
}

/**
 * One event per call: each event to its customer's stream, in global order. Batch N: N consecutive events
 * to one fresh stream per call.
 */
export function toCalls(events: readonly PreparedEvent[], batch: number): AppendCall[] {
  if (batch === 1) return events.map(({ streamId, event }) => ({ streamId, events: [event] }));
  const calls: AppendCall[] = [];
  for (let i = 0; i < events.length; i += batch) {
    calls.push({ streamId: `bench-${i / batch}`, events: events.slice(i, i + batch).map((p) => p.event) });
  }
  return calls;
}

/**
 * Splits the calls among `callers` closed-loop lanes, a stream always in the same lane (so its calls keep
 * their order and expected revisions), streams dealt round-robin in order of first appearance.
 */
export function toLanes(calls: readonly AppendCall[], callers: number): AppendCall[][] {
  const lanes: AppendCall[][] = Array.from({ length: callers }, () => []);
  const laneOf = new Map<string, number>();
  for (const call of calls) {
    let lane = laneOf.get(call.streamId);
    if (lane === undefined) {
      lane = laneOf.size % callers;
      laneOf.set(call.streamId, lane);
    }
    lanes[lane].push(call);
  }
  return lanes;
}

export interface LaneRun {
  readonly events: number;
  readonly calls: number;
  readonly ms: number;
  readonly eventsPerSecond: number;
  readonly microsecondsPerCall: number;
  /**
   * CPU time of this process (user + system, all threads) per event: what the run costs whatever the
   * machine's load, unlike the wall-clock figures.
   */
  readonly cpuMicrosPerEvent: number;
}

/**
 * Runs every lane as one caller that awaits each append before the next (closed loop), all lanes at once.
 * A caller's expected revision is what its previous append on the stream returned.
 */
export async function runLanes<Revision>(
  lanes: readonly (readonly AppendCall[])[],
  append: AppendOne<Revision>,
): Promise<LaneRun> {
  const events = lanes.reduce((sum, lane) => sum + lane.reduce((n, call) => n + call.events.length, 0), 0);
  const calls = lanes.reduce((sum, lane) => sum + lane.length, 0);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    lanes.map(async (calls, lane) => {
      const revisions = new Map<string, Revision>();
      for (const call of calls) {
        revisions.set(call.streamId, await append(call, revisions.get(call.streamId), lane));
      }
    }),
  );
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    events,
    calls,
    ms: Math.round(ms),
    eventsPerSecond: events / (ms / 1000),
    microsecondsPerCall: Math.round((ms * 1000 * lanes.length) / calls),
    cpuMicrosPerEvent: Math.round(((cpu.user + cpu.system) / events) * 10) / 10,
  };
}

/** Mean JSON size of an event's data and metadata, as stored. */
export function meanEventBytes(events: readonly PreparedEvent[]): number {
  const total = events.reduce(
    (sum, { event }) => sum + JSON.stringify(event.data).length + JSON.stringify(event.metadata).length,
    0,
  );
  return Math.round(total / Math.max(1, events.length));
}

/** A SQLite file's bytes with its WAL. */
export function sqliteBytes(file: string): number {
  return [file, `${file}-wal`].reduce((sum, path) => {
    try {
      return sum + statSync(path).size;
    } catch {
      return sum;
    }
  }, 0);
}

/**
 * Median microseconds of a 4 KiB append + fdatasync in `dir`: the floor of one durable commit on this disk
 * at this moment (on a loaded machine it includes the wait for the CPU after the I/O completes), so a
 * durable-append figure can be read against the machine's state when it was taken.
 */
export function fsyncMicros(dir: string, samples = 50): number {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'w');
  const page = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      writeSync(fd, page);
      fdatasyncSync(fd);
      times.push((performance.now() - start) * 1000);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return Math.round(times[times.length >> 1]);
}
