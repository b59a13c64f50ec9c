import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import {
  acquiredEvent,
  churnedEvent,
  contactedEvent,
  purchasedEvent,
  referredEvent,
} from '../support/event-fixtures';

describe('POST /v1/events (embedded store)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ MAX_BODY_BYTES: String(2 * 1024 * 1024) });
  });
  afterAll(() => api.close());

  const post = (body: unknown) =>
    request(api.http)
      .post('/v1/events')
      .send(body as object);

  it('appends one event and answers with its revision and global position', async () => {
    const event = acquiredEvent(`c-${randomUUID()}`);
    const res = await post(event).expect(201);
    expect(res.body).toEqual({
      results: [
        {
          eventId: event.eventId,
          customerId: event.customerId,
          type: 'CustomerAcquired',
          streamRevision: 0,
          globalPosition: expect.stringMatching(/^\d+$/),
        },
      ],
    });
    const [stored] = await api.store.readStream(`customer-${event.customerId}`);
    expect(stored).toMatchObject({
      eventId: event.eventId,
      occurredAt: '2026-01-05T09:00:00.000Z',
      data: event.data,
      metadata: { source: 'signup-service', correlationId: 'req-1', schemaVersion: 1 },
    });
  });

  it('generates an event id when the publisher gives none', async () => {
    const { eventId: _omit, ...event } = acquiredEvent(`c-${randomUUID()}`);
    const res = await post(event).expect(201);
    expect(res.body.results[0].eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('appends a batch across customers in order, positions increasing', async () => {
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    const events = [
      acquiredEvent(a),
      acquiredEvent(b),
      purchasedEvent(a),
      contactedEvent(b),
      referredEvent(a, b),
    ];
    const res = await post({ events }).expect(201);
    expect(res.body.results.map((r: { eventId: string }) => r.eventId)).toEqual(events.map((e) => e.eventId));
    expect(res.body.results.map((r: { streamRevision: number }) => r.streamRevision)).toEqual([
      0, 0, 1, 1, 2,
    ]);
    const positions = res.body.results.map((r: { globalPosition: string }) => BigInt(r.globalPosition));
    expect(new Set(positions).size).toBe(5);
  });

  it('answers a retry with the original result and appends nothing', async () => {
    const customerId = `c-${randomUUID()}`;
    const body = { events: [acquiredEvent(customerId), purchasedEvent(customerId)] };
    const first = await post(body).expect(201);
    const head = await api.store.headPosition();
    const retry = await post(body).expect(201);
    expect(retry.body).toEqual(first.body);
    expect(await api.store.headPosition()).toBe(head);
    expect(await api.store.readStream(`customer-${customerId}`)).toHaveLength(2);
  });

  it('reactivates a churned customer who purchases, answering for both events', async () => {
    const customerId = `c-${randomUUID()}`;
    await post({ events: [acquiredEvent(customerId), churnedEvent(customerId)] }).expect(201);
    const purchase = purchasedEvent(customerId, { occurredAt: '2026-04-01T10:00:00Z' });
    const res = await post(purchase).expect(201);
    expect(
      res.body.results.map((r: { type: string; streamRevision: number }) => [r.type, r.streamRevision]),
    ).toEqual([
      ['CustomerReactivated', 2],
      ['CustomerPurchased', 3],
    ]);
    // The retry of that purchase answers for both again and appends nothing.
    const retry = await post(purchase).expect(201);
    expect(retry.body).toEqual(res.body);
    expect(await api.store.readStream(`customer-${customerId}`)).toHaveLength(4);
  });

  it('refuses a lifecycle violation with 422 and its code', async () => {
    const customerId = `c-${randomUUID()}`;
    const head = await api.store.headPosition();
    const res = await post(purchasedEvent(customerId))
      .expect(422)
      .expect('content-type', /application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 422,
      code: 'CUSTOMER_NOT_ACQUIRED',
      title: 'Lifecycle rule broken',
    });
    expect(await api.store.headPosition()).toBe(head);
  });

  it('refuses a whole batch when one event breaks a rule, listing every failing event by index', async () => {
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    const head = await api.store.headPosition();
    const res = await post({
      events: [acquiredEvent(a), purchasedEvent(b), acquiredEvent(a), churnedEvent(a), churnedEvent(a)],
    }).expect(422);
    expect(res.body.code).toBe('LIFECYCLE_RULE_BROKEN');
    expect(res.body.errors.map((e: { index: number; code: string }) => [e.index, e.code])).toEqual([
      [1, 'CUSTOMER_NOT_ACQUIRED'],
      [2, 'CUSTOMER_ALREADY_ACQUIRED'],
      [4, 'CUSTOMER_ALREADY_CHURNED'],
    ]);
    expect(await api.store.headPosition()).toBe(head);
  });

  it('refuses an expected revision that does not match with 409', async () => {
    const customerId = `c-${randomUUID()}`;
    await post(acquiredEvent(customerId)).expect(201);
    const res = await post(purchasedEvent(customerId, { expectedRevision: 5 })).expect(409);
    expect(res.body).toMatchObject({ code: 'REVISION_CONFLICT', actualRevision: 0 });
    await post(purchasedEvent(customerId, { expectedRevision: 0 })).expect(201);
    await post(acquiredEvent(`c-${randomUUID()}`, { expectedRevision: -1 })).expect(201);
  });

  it('keeps the other customers of a batch when one customer conflicts (207)', async () => {
    const [a, b] = [`c-${randomUUID()}`, `c-${randomUUID()}`];
    await post({ events: [acquiredEvent(a), acquiredEvent(b)] }).expect(201);
    const res = await post({
      events: [purchasedEvent(a, { expectedRevision: 0 }), purchasedEvent(b, { expectedRevision: 7 })],
    }).expect(207);
    expect(res.body.results).toHaveLength(1);
    expect(res.body.results[0].customerId).toBe(a);
    expect(res.body.failures).toEqual([
      expect.objectContaining({ customerId: b, indexes: [1], code: 'REVISION_CONFLICT', actualRevision: 0 }),
    ]);
    expect(await api.store.readStream(`customer-${b}`)).toHaveLength(1);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await request(api.http).get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/events', '/v1/customers/{customerId}/events', '/health']),
    );
    await request(api.http).get('/docs').expect(200).expect('content-type', /html/);
  });

  it('documents request examples that succeed as given, in order', async () => {
    const doc = await request(api.http).get('/docs/openapi.json').expect(200);
    const examples = doc.body.paths['/v1/events'].post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).toEqual(['acquisition', 'purchase', 'batch']);
    const schemas = doc.body.components.schemas;
    expect(schemas.CustomerAcquiredEventDto.properties.expectedRevision.example).toBe(-1);
    expect(schemas.CustomerPurchasedEventDto.properties.expectedRevision.example).toBe(0);
    // Fresh customer and event ids (this suite's store is shared), everything else exactly as documented.
    const fresh = new Map<string, string>();
    const suffix = randomUUID().slice(0, 8);
    const rewrite = (text: string) =>
      text
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
          if (!fresh.has(id)) fresh.set(id, randomUUID());
          return fresh.get(id) as string;
        })
        .replace(/"c-(\d+)"/g, `"c-$1-${suffix}"`);
    for (const name of ['acquisition', 'purchase', 'batch']) {
      const body = JSON.parse(rewrite(JSON.stringify(examples[name].value)));
      const res = await post(body);
      expect(`${name}: ${res.status} ${res.body.code ?? ''}`).toBe(`${name}: 201 `);
    }
  });

  it('answers /health', async () => {
    const res = await request(api.http).get('/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: {
        eventStore: { adapter: 'sqlite', status: 'up' },
        readModel: { adapter: 'sqlite', status: 'up' },
        analytics: { adapter: 'chdb', status: 'up' },
      },
    });
  });

  it('answers an unknown route with a problem, echoing the correlation id', async () => {
    const res = await request(api.http).get('/nope').set('x-correlation-id', 'abc-1').expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['x-correlation-id']).toBe('abc-1');
    expect(res.body).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND', instance: '/nope' });
  });
});
