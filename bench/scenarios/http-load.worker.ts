import { publishedEvents } from '@crm/generator';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { laneBatches } from './lane-batches';

/**
 * The load generator of the HTTP scenario, in a worker thread (its own event loop and core, so client work
 * does not steal the server's thread). Prepares every request body first, then, on "go", sends them on
 * `concurrency` lanes: customers are partitioned over lanes and each lane sends its batches in order, so a
 * customer's events arrive in order and every request is valid under the lifecycle rules.
 */
export interface HttpLoadRequest {
  readonly baseUrl: string;
  readonly customers: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly maxEvents: number;
  readonly timeLimitMs: number;
  /** Bearer token of a key with events:write. */
  readonly apiKey: string;
}

export interface HttpLoadResult {
  readonly type: 'done';
  readonly sent: number;
  readonly accepted: number;
  readonly requests: number;
  readonly ms: number;
  readonly statuses: Record<string, number>;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly max: number };
  readonly firstError?: string;
  readonly bodyBytes: number;
}

const request = workerData as HttpLoadRequest;
const port = parentPort;
if (!port) throw new Error('http-load.worker runs as a worker thread');

const { prepared, bodies } = laneBatches(
  publishedEvents({ customers: request.customers, seed: request.seed }),
  request.concurrency,
  request.batchSize,
  request.maxEvents,
);
const bodyBytes = bodies.reduce((n, lane) => lane.reduce((m, { body }) => m + body.length, n), 0);
port.postMessage({ type: 'ready', events: prepared, requests: bodies.reduce((n, b) => n + b.length, 0) });

port.once('message', () => {
  void send().then((result) => port.postMessage(result));
});

async function send(): Promise<HttpLoadResult> {
  const url = `${request.baseUrl}/v1/events`;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let accepted = 0;
  let sent = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + request.timeLimitMs;
  await Promise.all(
    bodies.map(async (laneBodies) => {
      for (const { body, count } of laneBodies) {
        if (performance.now() > deadline || firstError !== undefined) return;
        const t0 = performance.now();
        let status = 0;
        let text = '';
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${request.apiKey}` },
            body,
          });
          status = response.status;
          text = await response.text();
        } catch (error) {
          text = String(error);
        }
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        sent += count;
        if (status === 201) accepted += count;
        else {
          // Later batches of this lane would break lifecycle rules (their customers' earlier events are missing).
          firstError ??= `HTTP ${status}: ${text.slice(0, 800)}`;
          return;
        }
      }
    }),
  );
  const ms = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    type: 'done',
    sent,
    accepted,
    requests: latencies.length,
    ms,
    statuses,
    latencyMs: { p50: at(0.5), p95: at(0.95), max: at(1) },
    ...(firstError ? { firstError } : {}),
    bodyBytes,
  };
}
