import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, contactedEvent, purchasedEvent } from '../support/event-fixtures';

describe('GET /v1/customers/{id}/events', () => {
  let api: ApiHarness;
  const customerId = `c-${randomUUID()}`;
  const events = [
    acquiredEvent(customerId),
    ...Array.from({ length: 4 }, () => contactedEvent(customerId)),
    purchasedEvent(customerId),
  ];

  beforeAll(async () => {
    api = await startApi();
    await request(api.http).post('/v1/events').send({ events }).expect(201);
  });
  afterAll(() => api.close());

  it('returns the stream oldest first', async () => {
    const res = await request(api.http).get(`/v1/customers/${customerId}/events`).expect(200);
    expect(res.body.customerId).toBe(customerId);
    expect(res.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(events.map((e) => e.eventId));
    expect(res.body.events[0]).toMatchObject({
      type: 'CustomerAcquired',
      streamRevision: 0,
      occurredAt: '2026-01-05T09:00:00.000Z',
      recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      metadata: { schemaVersion: 1 },
    });
    expect(res.body.nextFromRevision).toBeNull();
  });

  it('pages by revision', async () => {
    const seen: string[] = [];
    let from: number | null = 0;
    let pages = 0;
    while (from !== null && pages < 10) {
      const res: request.Response = await request(api.http)
        .get(`/v1/customers/${customerId}/events?fromRevision=${from}&limit=4`)
        .expect(200);
      seen.push(...res.body.events.map((e: { eventId: string }) => e.eventId));
      from = res.body.nextFromRevision;
      pages += 1;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(events.map((e) => e.eventId));
  });

  it('answers 404 for an unknown customer', async () => {
    const res = await request(api.http).get('/v1/customers/nobody/events').expect(404);
    expect(res.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND', status: 404 });
  });

  it('answers an empty page past the end of a known stream', async () => {
    const res = await request(api.http).get(`/v1/customers/${customerId}/events?fromRevision=50`).expect(200);
    expect(res.body.events).toEqual([]);
  });

  it.each(['limit=0', 'limit=1001', 'limit=abc', 'fromRevision=-1', 'fromRevision=1.5'])(
    'refuses the query %s with 400 naming the parameter',
    async (query) => {
      const res = await request(api.http).get(`/v1/customers/${customerId}/events?${query}`).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors[0].path).toBe(`$query.${query.split('=')[0]}`);
    },
  );
});
