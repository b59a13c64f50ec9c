import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, churnedEvent, purchasedEvent } from '../support/event-fixtures';

describe('time travel: GET /v1/customers/{id}?asOf=', () => {
  let api: ApiHarness;
  const customerId = `c-${randomUUID()}`;
  let positions: string[];

  beforeAll(async () => {
    api = await startApi();
    const res = await request(api.http)
      .post('/v1/events')
      .send({
        events: [
          acquiredEvent(customerId, { occurredAt: '2026-01-05T09:00:00Z' }),
          purchasedEvent(customerId, { occurredAt: '2026-02-01T10:00:00Z' }),
          churnedEvent(customerId, { occurredAt: '2026-03-01T00:00:00Z' }),
          purchasedEvent(customerId, { occurredAt: '2026-04-01T10:00:00Z' }),
        ],
      })
      .expect(201);
    positions = res.body.results.map((r: { globalPosition: string }) => r.globalPosition);
  });
  afterAll(() => api.close());

  const asOf = (value: string, basis?: string) =>
    request(api.http)
      .get(`/v1/customers/${customerId}`)
      .query({ asOf: value, ...(basis ? { asOfBasis: basis } : {}) });

  it.each([
    [
      '2026-01-10T00:00:00Z',
      { stage: 'acquired', purchasesCount: 0, reactivatedCount: 0, streamRevision: 0 },
    ],
    ['2026-02-15T00:00:00Z', { stage: 'active', purchasesCount: 1, reactivatedCount: 0, streamRevision: 1 }],
    [
      '2026-03-15T00:00:00Z',
      { stage: 'churned', purchasesCount: 1, churnReason: 'price', streamRevision: 2 },
    ],
    ['2026-04-15T00:00:00Z', { stage: 'active', purchasesCount: 2, reactivatedCount: 1, streamRevision: 4 }],
  ])('as of %s (business time)', async (at, expected) => {
    const res = await asOf(at).expect(200);
    expect(res.body).toMatchObject({ customerId, ...expected, asOf: { value: at, basis: 'occurred' } });
  });

  it('answers as of a global position', async () => {
    // The batch answered with 5 entries: acquired, purchased, churned, reactivated, purchased.
    expect(positions).toHaveLength(5);
    const res = await asOf(positions[2]).expect(200);
    expect(res.body).toMatchObject({ stage: 'churned', streamRevision: 2, lastGlobalPosition: positions[2] });
  });

  it('answers as of what was recorded by a moment', async () => {
    const res = await asOf(new Date(Date.now() + 1000).toISOString(), 'recorded').expect(200);
    expect(res.body).toMatchObject({ stage: 'active', streamRevision: 4 });
    await asOf('2000-01-01T00:00:00Z', 'recorded').expect(404);
  });

  it('answers 404 before the customer existed, 400 for a bad asOf', async () => {
    expect((await asOf('2025-12-31T00:00:00Z').expect(404)).body.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await asOf('last tuesday').expect(400)).body.errors[0].path).toBe('$query.asOf');
    expect((await asOf('2026-01-10T00:00:00Z', 'sideways').expect(400)).body.errors[0].path).toBe(
      '$query.asOfBasis',
    );
  });

  it('checks waitMs with asOf too, though a past state needs no wait (schemathesis found a 200 here)', async () => {
    const res = await request(api.http)
      .get(`/v1/customers/${customerId}`)
      .query({ asOf: '2026-01-10T00:00:00Z', waitMs: '5.16e-64' })
      .expect(400);
    expect(res.body.errors[0].path).toBe('$query.waitMs');
  });
});
