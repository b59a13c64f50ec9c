import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, churnedEvent, contactedEvent, purchasedEvent } from '../support/event-fixtures';

type Case = [label: string, body: () => unknown, status: number, code: string, path?: string];

const cid = () => `c-${randomUUID()}`;
const withData = (event: { data: object }, data: Record<string, unknown>) => ({
  ...event,
  data: { ...event.data, ...data },
});
const purchase = (amount: unknown) => withData(purchasedEvent(cid()), { amount, items: undefined });
const without = <T extends object>(obj: T, key: keyof T) => {
  const copy = { ...obj };
  delete copy[key];
  return copy;
};

/** Each payload is rejected with this status and code, the field at fault named, and nothing appended. */
const CASES: Case[] = [
  [
    'an unknown event type',
    () => ({ ...acquiredEvent(cid()), type: 'CustomerTeleported' }),
    400,
    'UNKNOWN_EVENT_TYPE',
    '$.type',
  ],
  [
    'a decider-only type',
    () => ({ ...acquiredEvent(cid()), type: 'CustomerReactivated' }),
    400,
    'UNKNOWN_EVENT_TYPE',
    '$.type',
  ],
  ['a missing type', () => without(acquiredEvent(cid()), 'type'), 400, 'MISSING_FIELD', '$.type'],
  [
    'a missing customerId',
    () => without(acquiredEvent(cid()), 'customerId'),
    400,
    'MISSING_FIELD',
    '$.customerId',
  ],
  [
    'a numeric customerId',
    () => acquiredEvent(cid(), { customerId: 42 }),
    400,
    'INVALID_FIELD',
    '$.customerId',
  ],
  ['a customerId with spaces', () => acquiredEvent('c 1'), 400, 'INVALID_FIELD', '$.customerId'],
  ['an oversized customerId', () => acquiredEvent('c'.repeat(300)), 400, 'INVALID_FIELD', '$.customerId'],
  [
    'a missing occurredAt',
    () => without(acquiredEvent(cid()), 'occurredAt'),
    400,
    'MISSING_FIELD',
    '$.occurredAt',
  ],
  [
    'a word for a date',
    () => acquiredEvent(cid(), { occurredAt: 'yesterday' }),
    400,
    'INVALID_FIELD',
    '$.occurredAt',
  ],
  [
    'a date without time',
    () => acquiredEvent(cid(), { occurredAt: '2026-01-01' }),
    400,
    'INVALID_FIELD',
    '$.occurredAt',
  ],
  [
    'a time without zone',
    () => acquiredEvent(cid(), { occurredAt: '2026-01-01T10:00:00' }),
    400,
    'INVALID_FIELD',
    '$.occurredAt',
  ],
  [
    'an impossible date',
    () => acquiredEvent(cid(), { occurredAt: '2026-02-30T10:00:00Z' }),
    400,
    'INVALID_FIELD',
    '$.occurredAt',
  ],
  [
    'a far-future date',
    () => acquiredEvent(cid(), { occurredAt: '2999-01-01T00:00:00Z' }),
    400,
    'INVALID_FIELD',
    '$.occurredAt',
  ],
  [
    'an epoch number for a date',
    () => acquiredEvent(cid(), { occurredAt: 1767225600000 }),
    400,
    'INVALID_FIELD',
    '$.occurredAt',
  ],
  [
    'an eventId that is not a UUID',
    () => acquiredEvent(cid(), { eventId: 'evt-1' }),
    400,
    'INVALID_FIELD',
    '$.eventId',
  ],
  [
    'negative minor units',
    () => purchase({ minor: -1, currency: 'EUR' }),
    400,
    'INVALID_FIELD',
    '$.data.amount.minor',
  ],
  [
    'fractional minor units',
    () => purchase({ minor: 25.99, currency: 'EUR' }),
    400,
    'INVALID_FIELD',
    '$.data.amount.minor',
  ],
  [
    'minor units as a string',
    () => purchase({ minor: '2599', currency: 'EUR' }),
    400,
    'INVALID_FIELD',
    '$.data.amount.minor',
  ],
  [
    'minor units beyond exact doubles',
    () => purchase({ minor: 2 ** 60, currency: 'EUR' }),
    400,
    'INVALID_FIELD',
    '$.data.amount.minor',
  ],
  [
    'a made-up currency',
    () => purchase({ minor: 100, currency: 'EURO' }),
    400,
    'INVALID_FIELD',
    '$.data.amount.currency',
  ],
  [
    'a lower-case currency',
    () => purchase({ minor: 100, currency: 'eur' }),
    400,
    'INVALID_FIELD',
    '$.data.amount.currency',
  ],
  ['a missing amount', () => purchase(undefined), 400, 'MISSING_FIELD', '$.data.amount'],
  ['a missing data', () => without(acquiredEvent(cid()), 'data'), 400, 'MISSING_FIELD', '$.data'],
  ['data as an array', () => ({ ...acquiredEvent(cid()), data: [1, 2] }), 400, 'INVALID_FIELD', '$.data'],
  [
    'an unknown top-level field',
    () => acquiredEvent(cid(), { isAdmin: true }),
    400,
    'UNKNOWN_FIELD',
    '$.isAdmin',
  ],
  [
    'an unknown data field',
    () => withData(acquiredEvent(cid()), { sql: "'; DROP TABLE events; --" }),
    400,
    'UNKNOWN_FIELD',
    '$.data.sql',
  ],
  [
    'an unknown metadata field',
    () => acquiredEvent(cid(), { metadata: { source: 's', schemaVersion: 99 } }),
    400,
    'UNKNOWN_FIELD',
    '$.metadata.schemaVersion',
  ],
  [
    'an oversized campaign',
    () => withData(acquiredEvent(cid()), { campaign: 'x'.repeat(10_000) }),
    400,
    'INVALID_FIELD',
    '$.data.campaign',
  ],
  [
    'an unknown acquisition channel',
    () => withData(acquiredEvent(cid()), { channel: 'carrier-pigeon' }),
    400,
    'INVALID_FIELD',
    '$.data.channel',
  ],
  [
    'a malformed email',
    () => withData(acquiredEvent(cid()), { profile: { email: 'not-an-email' } }),
    400,
    'INVALID_FIELD',
    '$.data.profile.email',
  ],
  [
    'a three-letter country',
    () => withData(acquiredEvent(cid()), { profile: { country: 'ITA' } }),
    400,
    'INVALID_FIELD',
    '$.data.profile.country',
  ],
  [
    'nested attribute objects',
    () => withData(acquiredEvent(cid()), { attributes: { deep: { x: 1 } } }),
    400,
    'INVALID_FIELD',
    '$.data.attributes',
  ],
  [
    'a contact without direction',
    () => ({ ...contactedEvent(cid()), data: { channel: 'email', purpose: 'sales' } }),
    400,
    'MISSING_FIELD',
    '$.data.direction',
  ],
  [
    'a churn flag as a string',
    () => withData(churnedEvent(cid()), { voluntary: 'yes' }),
    400,
    'INVALID_FIELD',
    '$.data.voluntary',
  ],
  [
    'a zero-quantity line item',
    () =>
      withData(purchasedEvent(cid()), {
        items: [{ sku: 'A', category: 'b', quantity: 0, unitPrice: { minor: 1, currency: 'EUR' } }],
      }),
    400,
    'INVALID_FIELD',
    '$.data.items[0].quantity',
  ],
  [
    'line items in another currency',
    () =>
      withData(purchasedEvent(cid()), {
        items: [{ sku: 'A', category: 'b', quantity: 1, unitPrice: { minor: 1, currency: 'USD' } }],
      }),
    400,
    'CURRENCY_MISMATCH',
    '$.data.items[0].unitPrice.currency',
  ],
  [
    'an expected revision below -1',
    () => acquiredEvent(cid(), { expectedRevision: -2 }),
    400,
    'INVALID_FIELD',
    '$.expectedRevision',
  ],
  ['a JSON array body', () => [acquiredEvent(cid())], 400, 'INVALID_EVENT', '$'],
  ['a JSON null body', () => null, 400, 'INVALID_EVENT', '$'],
  ['events that is not an array', () => ({ events: { a: 1 } }), 400, 'INVALID_FIELD', '$.events'],
  ['an empty batch', () => ({ events: [] }), 400, 'INVALID_FIELD', '$.events'],
  [
    'a batch with one bad event',
    () => {
      const id = cid();
      return {
        events: [acquiredEvent(id), purchasedEvent(id), { ...purchasedEvent(id), occurredAt: 'soon' }],
      };
    },
    400,
    'VALIDATION_FAILED',
    '$.events[2].occurredAt',
  ],
  [
    'a batch repeating an eventId',
    () => {
      const first = acquiredEvent(cid());
      return { events: [first, { ...acquiredEvent(cid()), eventId: first.eventId }] };
    },
    400,
    'DUPLICATE_EVENT_ID',
    '$.events[1].eventId',
  ],
  [
    'a batch over 1,000 events',
    () => ({ events: Array.from({ length: 1001 }, () => acquiredEvent(cid())) }),
    413,
    'BATCH_TOO_LARGE',
  ],
  [
    'a body over the size limit',
    () => ({ events: [withData(acquiredEvent(cid()), { campaign: 'x'.repeat(3 * 1024 * 1024) })] }),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
];

describe('hostile and malformed payloads', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ MAX_BODY_BYTES: String(2 * 1024 * 1024) });
  });
  afterAll(() => api.close());

  // One parameter: jest would take a fifth declared parameter for a `done` callback.
  it.each(CASES)('rejects %s', async (...[, body, status, code, path]: Case) => {
    const head = await api.store.headPosition();
    const res = await request(api.http)
      .post('/v1/events')
      .set('content-type', 'application/json')
      .send(JSON.stringify(body()));
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const errors: { code: string; path?: string }[] = res.body.errors ?? [];
    // Batch failures carry VALIDATION_FAILED at the top and the precise code per event.
    expect([res.body.code, ...errors.map((e) => e.code)]).toContain(code);
    if (path) expect(errors.map((e) => e.path)).toContain(path);
    expect(JSON.stringify(res.body)).not.toMatch(/ at \w+ \(|node_modules|\.ts:\d+/);
    expect(await api.store.headPosition()).toBe(head);
  });

  it('rejects invalid JSON with 400 MALFORMED_JSON', async () => {
    const head = await api.store.headPosition();
    const res = await request(api.http)
      .post('/v1/events')
      .set('content-type', 'application/json')
      .send('{"type": "Custo');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'MALFORMED_JSON', status: 400 });
    expect(await api.store.headPosition()).toBe(head);
  });

  it('rejects a body that is not JSON with 415', async () => {
    const res = await request(api.http).post('/v1/events').set('content-type', 'text/plain').send('hello');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('ignores prototype-pollution keys and appends nothing', async () => {
    const head = await api.store.headPosition();
    const body = `{"__proto__": {"polluted": true}, ${JSON.stringify(acquiredEvent(cid())).slice(1)}`;
    const res = await request(api.http).post('/v1/events').set('content-type', 'application/json').send(body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'UNKNOWN_FIELD', path: '$.__proto__' });
    expect(await api.store.headPosition()).toBe(head);
  });

  it('lists every failing event of a batch by index', async () => {
    const id = cid();
    const res = await request(api.http)
      .post('/v1/events')
      .send({
        events: [
          acquiredEvent(id),
          { type: 'Nope' },
          purchase({ minor: -5, currency: 'EUR' }),
          acquiredEvent(id),
        ],
      })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { index: number }) => e.index)).toEqual([1, 2]);
  });
});
