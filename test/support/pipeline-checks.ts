import { CUSTOMER_STREAM_PREFIX, customerIdFromStream, customerStreamId } from '@crm/domain';
import type { EventStore, RecordedEvent } from '@crm/event-store';
import { CustomerQueries, CustomerSummary, foldCustomerSummary } from '@crm/read-model';
import { isDeepStrictEqual } from 'node:util';
import request from 'supertest';
import type { PublishedEvent } from './published-history';

/** Publishes through HTTP in batches, in order (so each customer's events keep their order). */
export async function publishInBatches(
  http: Parameters<typeof request>[0],
  events: readonly PublishedEvent[],
  batchSize: number,
  onBatch?: (sent: number) => Promise<void> | void,
): Promise<void> {
  for (let i = 0; i < events.length; i += batchSize) {
    const res = await request(http)
      .post('/v1/events')
      .send({ events: events.slice(i, i + batchSize) });
    if (res.status !== 201)
      throw new Error(`batch at ${i}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
    await onBatch?.(i + batchSize);
  }
}

/**
 * Polls GET /v1/admin/pipeline until the named stages have no lag: by default the relay and the read model
 * (what Customer 360 needs); the analytics stage, listed there too, when a suite names it.
 */
export async function waitForPipeline(
  http: Parameters<typeof request>[0],
  timeoutMs: number,
  stages: readonly string[] = ['relay', 'customer-read-model'],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  const named = (s: { name: string }) => stages.includes(s.name);
  while (Date.now() < deadline) {
    const res = await request(http).get('/v1/admin/pipeline');
    last = res.body;
    if (
      res.status === 200 &&
      res.body.stages.filter(named).every((s: { lagEvents: number }) => s.lagEvents === 0)
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`pipeline did not catch up in ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/**
 * Polls GET `path` (every 200 ms) until `ready` takes its answer: for what the API serves asynchronously (the
 * analytics schema at boot, a projection catching up). Fails after `timeoutMs` with the last answer.
 */
export async function waitForAnswer(
  http: Parameters<typeof request>[0],
  path: string,
  ready: (res: request.Response) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(http).get(path);
    if (ready(res)) return;
    if (Date.now() > deadline)
      throw new Error(`GET ${path} not ready in ${timeoutMs} ms: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** How the read model's Customer 360 of a customer differs from the fold of its stream; undefined: it does not. */
async function readModelMismatch(
  queries: CustomerQueries,
  customerId: string,
  stream: readonly RecordedEvent[],
): Promise<string | undefined> {
  const expected = foldCustomerSummary(stream);
  const view = await queries.getCustomer(customerId);
  if (!view) return `${customerId}: missing from the read model`;
  // updatedAt, scores (the scoring job's) and freshness are not the fold's: the rest must equal it.
  const { updatedAt: _updatedAt, scores: _scores, freshness: _freshness, ...actual } = view;
  if (isDeepStrictEqual(actual satisfies CustomerSummary, expected)) return undefined;
  return `${customerId}: read model ${JSON.stringify(actual)} != fold ${JSON.stringify(expected)}`;
}

/** For every customer: the read model's Customer 360 equals the fold of the customer's stream in the store. */
export async function expectReadModelEqualsFold(
  store: EventStore,
  queries: CustomerQueries,
  customerIds: Iterable<string>,
): Promise<number> {
  let checked = 0;
  const mismatches: string[] = [];
  for (const customerId of customerIds) {
    const stream = await store.readStream(customerStreamId(customerId));
    const mismatch = await readModelMismatch(queries, customerId, stream);
    if (mismatch) mismatches.push(mismatch);
    checked += 1;
  }
  if (mismatches.length > 0)
    throw new Error(`${mismatches.length} customer(s) differ:\n${mismatches.slice(0, 5).join('\n')}`);
  return checked;
}

/** Every customer stream of the store by customer id, each in stream order, from one pass over `readAll`. */
export async function customerStreams(
  store: EventStore,
  pageSize = 5_000,
): Promise<Map<string, RecordedEvent[]>> {
  const streams = new Map<string, RecordedEvent[]>();
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize, streamPrefix: CUSTOMER_STREAM_PREFIX });
    if (page.length === 0) return streams;
    for (const event of page) {
      const customerId = customerIdFromStream(event.streamId);
      const stream = streams.get(customerId);
      if (stream) stream.push(event);
      else streams.set(customerId, [event]);
    }
    after = page[page.length - 1].globalPosition;
  }
}

/**
 * For every customer stream of the store: the read model's Customer 360 equals its fold (as
 * expectReadModelEqualsFold, reading the store once in global order instead of stream by stream, for large
 * stores). Returns the customers checked.
 */
export async function expectReadModelEqualsStoreFold(
  store: EventStore,
  queries: CustomerQueries,
): Promise<string[]> {
  const streams = await customerStreams(store);
  const mismatches: string[] = [];
  for (const [customerId, stream] of streams) {
    const mismatch = await readModelMismatch(queries, customerId, stream);
    if (mismatch) mismatches.push(mismatch);
  }
  if (mismatches.length > 0)
    throw new Error(`${mismatches.length} customer(s) differ:\n${mismatches.slice(0, 5).join('\n')}`);
  return [...streams.keys()];
}
