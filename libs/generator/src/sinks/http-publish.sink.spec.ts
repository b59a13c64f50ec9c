import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from '../generate';
import { publishedEvents } from '../lifecycle.generator';
import type { PublishedEvent, PublishedSpendEvent } from '../published-event';
import { HttpPublishSink } from './http-publish.sink';

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

describe('HttpPublishSink', () => {
  let server: Server;
  let baseUrl: string;
  const received: PublishedEvent[][] = [];
  const spends: Omit<PublishedSpendEvent, 'type'>[] = [];
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readBody(req);
      requests++;
      if (requests === 2 || requests === 5) {
        const status = requests === 2 ? 503 : 429;
        res.writeHead(status, { 'retry-after': '0', 'content-type': 'application/problem+json' }).end('{}');
        return;
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      if (req.url === '/v1/marketing/spend')
        spends.push(JSON.parse(body) as Omit<PublishedSpendEvent, 'type'>);
      else received.push((JSON.parse(body) as { events: PublishedEvent[] }).events);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends batches on parallel lanes, keeping each customer’s order, retrying a 503 and a 429', async () => {
    const sink = new HttpPublishSink({ baseUrl, batchSize: 50, concurrency: 3 });
    const summary = await generate({ customers: 300, seed: 8 }, sink);

    const expected = [...publishedEvents({ customers: 300, seed: 8 })];
    expect(summary.events).toBe(expected.length + summary.byType.MarketingSpendRecorded);
    expect(sink.accepted).toBe(summary.events);
    // Spend went to its own entrance, one per request, in the shape POST /v1/marketing/spend takes.
    expect(spends).toHaveLength(summary.byType.MarketingSpendRecorded);
    expect(spends.length).toBeGreaterThan(10);
    for (const spend of spends)
      expect(Object.keys(spend).sort()).toEqual(['data', 'eventId', 'metadata', 'occurredAt']);
    expect(sink.retries).toBe(2);
    expect(Math.max(...received.map((b) => b.length))).toBeLessThanOrEqual(50);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);

    const arrival = received.flat();
    expect(new Set(arrival.map((e) => e.eventId)).size).toBe(expected.length);
    const order = (events: readonly PublishedEvent[]) => {
      const perCustomer = new Map<string, string[]>();
      for (const e of events)
        perCustomer.set(e.customerId, [...(perCustomer.get(e.customerId) ?? []), e.eventId]);
      return perCustomer;
    };
    expect(order(arrival)).toEqual(order(expected));
  });

  it('fails with the API’s answer on a non-retryable error', async () => {
    const failing = createServer((_req, res) => res.writeHead(422).end('{"code":"LIFECYCLE_RULE_BROKEN"}'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
      await expect(
        generate({ customers: 50 }, new HttpPublishSink({ baseUrl: url, batchSize: 10 })),
      ).rejects.toThrow(/HTTP 422: .*LIFECYCLE_RULE_BROKEN/);
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });
});
