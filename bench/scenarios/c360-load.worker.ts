import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { SeededRandom } from '@crm/generator';
import { percentiles, type Percentiles } from '../support/percentiles';

/**
 * Open-loop GET load in a worker thread (its own event loop, so the client does not share the server's):
 * request i is due at start + i / rate whatever happened to the ones before, on keep-alive connections.
 * Latency counts from the due time, so time spent queued behind a slow answer is included (no coordinated
 * omission); `serviceMs` counts from the moment the request was actually written.
 */
export interface C360LoadRequest {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Paths are `/v1/customers/<prefix><1..customers>`. */
  readonly customers: number;
  readonly customerIdPrefix: string;
  readonly rate: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly seed: number;
  /** Most connections (and so requests in flight). */
  readonly connections: number;
}

export interface C360LoadResult {
  readonly requests: number;
  readonly achievedPerSecond: number;
  readonly statuses: Record<string, number>;
  readonly latencyMs: Percentiles;
  readonly serviceMs: Percentiles;
  readonly maxInFlight: number;
  /** Seconds since the start of the measured part at which answers were slowest (stalls show up here). */
  readonly slowestAt: readonly { readonly atSecond: number; readonly latencyMs: number }[];
  readonly firstError?: string;
}

const job = workerData as C360LoadRequest;
const port = parentPort;
if (!port) throw new Error('c360-load.worker runs as a worker thread');

port.once('message', () => {
  void run().then((result) => port.postMessage(result));
});
port.postMessage('ready');

async function run(): Promise<C360LoadResult> {
  const url = new URL(job.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const random = new SeededRandom(job.seed, 7);
  const latencies: number[] = [];
  const dueTimes: number[] = [];
  const service: number[] = [];
  const statuses: Record<string, number> = {};
  let firstError: string | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  let counted = 0;
  const interval = 1000 / job.rate;
  const total = Math.round(job.rate * (job.warmupSeconds + job.seconds));
  const warmup = Math.round(job.rate * job.warmupSeconds);
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let countedFrom = 0;

  const send = (index: number, due: number) =>
    new Promise<void>((resolve) => {
      const id = `${job.customerIdPrefix}${1 + Math.floor(random.float() * job.customers)}`;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const sentAt = performance.now();
      const done = (status: number, error?: string) => {
        inFlight--;
        const end = performance.now();
        if (index >= warmup) {
          latencies.push(end - due);
          dueTimes.push(due);
          service.push(end - sentAt);
          statuses[status] = (statuses[status] ?? 0) + 1;
          counted++;
        }
        if (error) firstError ??= error;
        resolve();
      };
      const req = httpRequest(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: `/v1/customers/${id}`,
          headers: { authorization: `Bearer ${job.apiKey}` },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () =>
            done(
              res.statusCode ?? 0,
              res.statusCode === 200 ? undefined : `HTTP ${res.statusCode} for ${id}`,
            ),
          );
        },
      );
      req.on('error', (error) => done(0, String(error)));
      req.end();
    });

  for (let i = 0; i < total;) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      if (i === warmup) countedFrom = performance.now();
      pending.push(send(i, start + i * interval));
      i++;
    }
    const next = start + i * interval - performance.now();
    if (next > 0) await new Promise((resolve) => setTimeout(resolve, next));
  }
  const countedUntil = performance.now();
  await Promise.all(pending);
  agent.destroy();
  const slowestAt = latencies
    .map((latencyMs, i) => ({ atSecond: (dueTimes[i] - countedFrom) / 1000, latencyMs }))
    .sort((a, b) => b.latencyMs - a.latencyMs)
    .filter((s, i, all) => all.slice(0, i).every((o) => Math.abs(o.atSecond - s.atSecond) > 1))
    .slice(0, 5)
    .map((s) => ({ atSecond: Number(s.atSecond.toFixed(2)), latencyMs: Math.round(s.latencyMs) }));
  return {
    requests: counted,
    achievedPerSecond: Math.round(counted / ((countedUntil - countedFrom) / 1000)),
    statuses,
    latencyMs: percentiles(latencies),
    serviceMs: percentiles(service),
    maxInFlight,
    slowestAt,
    ...(firstError ? { firstError } : {}),
  };
}
