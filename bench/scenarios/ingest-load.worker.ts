import { publishedEvents } from '@crm/generator';
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { laneBatches } from './lane-batches';

/**
 * Offered HTTP ingest at a fixed rate, in a worker thread: generated customer histories (customers partitioned
 * over lanes, so each customer's events go out in order and every request is valid) sent as batches on each
 * lane at the lane's share of the rate. Open loop per lane: batch j is due at start + j * interval whatever
 * happened before; a lane whose previous request is still out sends the next as soon as it returns (a
 * customer's order must hold), so a slow server shows as ingest latency and a lower achieved rate.
 * Reports every acknowledged batch: when its answer arrived (epoch ms) and the positions it was given.
 */
export interface IngestLoadRequest {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly rate: number;
  readonly seconds: number;
  readonly batchSize: number;
  readonly lanes: number;
  readonly seed: number;
  readonly customerIdPrefix: string;
}

export interface IngestAck {
  /** performance.timeOrigin + performance.now() when the answer arrived. */
  readonly at: number;
  readonly positions: number[];
}

export type IngestLoadMessage =
  | { readonly type: 'ready'; readonly events: number }
  | { readonly type: 'acks'; readonly acks: IngestAck[] }
  | {
      readonly type: 'done';
      readonly sent: number;
      readonly accepted: number;
      readonly achievedPerSecond: number;
      readonly statuses: Record<string, number>;
      readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
      readonly firstError?: string;
    };

const job = workerData as IngestLoadRequest;
const port = parentPort;
if (!port) throw new Error('ingest-load.worker runs as a worker thread');

const total = job.rate * job.seconds;
// About ten events per generated customer: generate enough customers for the total, then stop at it.
const { prepared, bodies } = laneBatches(
  publishedEvents({
    customers: Math.ceil(total / 4),
    seed: job.seed,
    customerIdPrefix: job.customerIdPrefix,
  }),
  job.lanes,
  job.batchSize,
  total,
);
port.postMessage({ type: 'ready', events: prepared } satisfies IngestLoadMessage);
port.once('message', () => void run());

async function run(): Promise<void> {
  const url = new URL(job.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: job.lanes });
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let acks: IngestAck[] = [];
  let sent = 0;
  let accepted = 0;
  let firstError: string | undefined;
  const flush = setInterval(() => {
    if (acks.length === 0) return;
    port!.postMessage({ type: 'acks', acks } satisfies IngestLoadMessage);
    acks = [];
  }, 250);
  const start = performance.now();
  const laneRate = job.rate / job.lanes;

  const post = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve) => {
      const req = httpRequest(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/v1/events',
          method: 'POST',
          headers: {
            authorization: `Bearer ${job.apiKey}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', (error) => resolve({ status: 0, text: String(error) }));
      req.end(body);
    });

  await Promise.all(
    bodies.map(async (batches, lane) => {
      // Lanes start staggered over one interval, so requests spread evenly.
      const offset = (lane / job.lanes) * (job.batchSize / laneRate) * 1000;
      for (let j = 0; j < batches.length; j++) {
        const due = start + offset + (j * job.batchSize * 1000) / laneRate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const { status, text } = await post(batches[j].body);
        const now = performance.now();
        latencies.push(now - due);
        sent += batches[j].count;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 201 || status === 207) {
          const results = (JSON.parse(text) as { results: { globalPosition: string }[] }).results;
          accepted += results.length;
          acks.push({
            at: performance.timeOrigin + now,
            positions: results.map((r) => Number(r.globalPosition)),
          });
        } else firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`;
      }
    }),
  );
  const ms = performance.now() - start;
  clearInterval(flush);
  if (acks.length > 0) port!.postMessage({ type: 'acks', acks } satisfies IngestLoadMessage);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  port!.postMessage({
    type: 'done',
    sent,
    accepted,
    achievedPerSecond: Math.round(sent / (ms / 1000)),
    statuses,
    latencyMs: { p50: at(0.5), p99: at(0.99), max: Math.round(latencies[latencies.length - 1] ?? 0) },
    ...(firstError ? { firstError } : {}),
  } satisfies IngestLoadMessage);
}
