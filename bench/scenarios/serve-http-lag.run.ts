import { CUSTOMER_READ_MODEL_PROJECTION, READ_MODEL_SQLITE_FILE } from '@crm/read-model';
import { ANALYTICS_REPORTED_CHECKPOINT } from '@crm/projections';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { percentiles } from '../support/percentiles';
import type { IngestAck, IngestLoadMessage, IngestLoadRequest } from './ingest-load.worker';
import { startServe, type ServeWorkerMode } from './serve-process';
import { cpuSeconds, freePort, workerPartPid } from './serve-stats';

export interface ServeHttpLagOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly batchSize: number;
  readonly worker: ServeWorkerMode;
  readonly seed: number;
  readonly warmupMs: number;
}

/** How often the checkpoints are read: the resolution of the lag figures. */
const SAMPLE_EVERY_MS = 10;
const LANES = 8;
const DRAIN_TIMEOUT_MS = 120_000;

interface Sample {
  readonly at: number;
  readonly readModel: number;
  readonly analytics: number;
}

/**
 * `crm serve` as users run it (a child process, fresh DATA_DIR, both projectors) with events offered over HTTP at
 * a fixed rate (ingest-load.worker). An event's lag runs from the answer to the request that appended it to the
 * first moment the projection's checkpoint covers its position, read every 10 ms from the read-model database
 * (the read model's own checkpoint, and the analytics checkpoint the worker reports there after each ClickHouse
 * write). Lag growing: the last window's median more than twice the first's plus 100 ms (windows of a minute,
 * or a third of the run if shorter).
 */
export async function serveHttpLagRun(options: ServeHttpLagOptions) {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-serve-lag-'));
  const serve = await startServe(dataDir, await freePort(), options.worker);
  let worker: Worker | undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(join(dataDir, READ_MODEL_SQLITE_FILE), { readonly: true, fileMustExist: true });
    const read = db.prepare<[string, string], { projection: string; position: string }>(
      'SELECT projection, position FROM projection_checkpoints WHERE projection IN (?, ?)',
    );
    const samples: Sample[] = [];
    const sample = () => {
      let readModel = samples.at(-1)?.readModel ?? 0;
      let analytics = samples.at(-1)?.analytics ?? 0;
      for (const row of read.all(CUSTOMER_READ_MODEL_PROJECTION, ANALYTICS_REPORTED_CHECKPOINT)) {
        const position = Number(row.position);
        if (row.projection === CUSTOMER_READ_MODEL_PROJECTION) readModel = Math.max(readModel, position);
        else analytics = Math.max(analytics, position);
      }
      samples.push({ at: performance.timeOrigin + performance.now(), readModel, analytics });
    };
    const job: IngestLoadRequest = {
      baseUrl: serve.baseUrl,
      apiKey: serve.apiKey,
      rate: options.rate,
      seconds: options.seconds,
      batchSize: options.batchSize,
      lanes: LANES,
      seed: options.seed,
      customerIdPrefix: 'l-',
    };
    worker = new Worker(join(__dirname, 'ingest-load.worker.js'), { workerData: job });
    const acks: IngestAck[] = [];
    let done: Extract<IngestLoadMessage, { type: 'done' }> | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      worker!.on('error', reject);
      worker!.on('message', (message: IngestLoadMessage) => {
        if (message.type === 'acks') acks.push(...message.acks);
        else if (message.type === 'done') {
          done = message;
          resolve();
        }
      });
    });
    await new Promise((resolve) => worker!.once('message', resolve)); // ready: bodies prepared
    const workerPid = workerPartPid(dataDir);
    const cpuBefore = { serve: cpuSeconds(serve.pid), worker: workerPid ? cpuSeconds(workerPid) : 0 };
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    const t0 = performance.timeOrigin + performance.now();
    worker.postMessage('go');
    await finished;
    const offeredEnd = performance.timeOrigin + performance.now();
    const cpu = {
      serveCores: round((cpuSeconds(serve.pid) - cpuBefore.serve) / ((offeredEnd - t0) / 1000)),
      workerCores: workerPid
        ? round((cpuSeconds(workerPid) - cpuBefore.worker) / ((offeredEnd - t0) / 1000))
        : 0,
    };
    const head = acks.reduce((max, a) => Math.max(max, ...a.positions), 0);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const last = samples.at(-1);
      if (last && last.readModel >= head && last.analytics >= head) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    clearInterval(sampler);
    sample();
    const measuredFrom = t0 + options.warmupMs;
    const counted = acks.filter((a) => a.at >= measuredFrom && a.at <= offeredEnd);
    const windowMs = Math.min(60_000, (offeredEnd - measuredFrom) / 3);
    return {
      worker: options.worker,
      offered: { rate: options.rate, seconds: options.seconds, batchSize: options.batchSize, lanes: LANES },
      ingest: done,
      cpu,
      readModel: lagOf(counted, samples, 'readModel', measuredFrom, offeredEnd, windowMs),
      analytics: lagOf(counted, samples, 'analytics', measuredFrom, offeredEnd, windowMs),
    };
  } finally {
    db?.close();
    await worker?.terminate();
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function lagOf(
  acks: readonly IngestAck[],
  samples: readonly Sample[],
  key: 'readModel' | 'analytics',
  from: number,
  to: number,
  windowMs: number,
) {
  const all: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  let missing = 0;
  for (const ack of acks) {
    for (const position of ack.positions) {
      const visibleAt = firstCovering(samples, key, position);
      if (visibleAt === undefined) {
        missing++;
        continue;
      }
      const lag = Math.max(0, visibleAt - ack.at);
      all.push(lag);
      if (ack.at < from + windowMs) first.push(lag);
      if (ack.at > to - windowMs) last.push(lag);
    }
  }
  const firstWindow = percentiles(first);
  const lastWindow = percentiles(last);
  return {
    lagMs: percentiles(all),
    firstWindow,
    lastWindow,
    windowSeconds: Math.round(windowMs / 1000),
    growing: lastWindow.p50 > 2 * firstWindow.p50 + 100,
    missing,
  };
}

/** When the checkpoint first reached `position` (binary search: checkpoints only move forwards). */
function firstCovering(samples: readonly Sample[], key: 'readModel' | 'analytics', position: number) {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid][key] >= position) hi = mid;
    else lo = mid + 1;
  }
  return lo < samples.length ? samples[lo].at : undefined;
}

const round = (x: number) => Math.round(x * 100) / 100;
