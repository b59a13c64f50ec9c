import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';

/** Real HTTP over loopback, so the 50 requests truly interleave inside the server. */
describe('50 concurrent appends to one customer with expected revisions', () => {
  let api: ApiHarness;
  let base: string;
  beforeAll(async () => {
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.http.address() as AddressInfo).port}`;
  });
  afterAll(() => api.close());

  const publish = (body: unknown) =>
    fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('lets exactly one writer win each revision; losers get 409', async () => {
    const customerId = `c-${randomUUID()}`;
    expect((await publish(acquiredEvent(customerId))).status).toBe(201);
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () =>
        publish(purchasedEvent(customerId, { expectedRevision: 0 })).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(await api.store.readStream(`customer-${customerId}`)).toHaveLength(2);
  });

  it('loses and duplicates nothing when losers re-read and retry', async () => {
    const customerId = `c-${randomUUID()}`;
    await publish(acquiredEvent(customerId));
    const purchases = Array.from({ length: 50 }, () => purchasedEvent(customerId));
    let conflicts = 0;
    await Promise.all(
      purchases.map(async (purchase) => {
        for (let attempt = 0; attempt < 200; attempt++) {
          const res0 = await fetch(`${base}/v1/customers/${customerId}/events?limit=1000`);
          const timeline = (await res0.json()) as { events: unknown[] };
          const revision = timeline.events.length - 1;
          const res = await publish({ ...purchase, expectedRevision: revision });
          if (res.status === 201) return;
          expect(res.status).toBe(409);
          conflicts += 1;
        }
        throw new Error('a writer never got through');
      }),
    );
    const stream = await api.store.readStream(`customer-${customerId}`);
    expect(stream).toHaveLength(51);
    expect(stream.map((e) => e.streamRevision)).toEqual(Array.from({ length: 51 }, (_, i) => i));
    expect(new Set(stream.map((e) => e.eventId))).toEqual(
      new Set([stream[0].eventId, ...purchases.map((p) => p.eventId)]),
    );
    expect(conflicts).toBeGreaterThan(0);
  });
});
