import { validatePublishBody, validatePublishedEvent } from './published-event.validator';

const acquired = (name: string, extra: Record<string, unknown> = {}) => ({
  eventId: '6f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5f',
  type: 'CustomerAcquired',
  customerId: 'c-1',
  occurredAt: '2026-01-05T09:00:00Z',
  data: { channel: 'organic', profile: { name }, ...extra },
});

describe('validatePublishBody: text the stores can keep', () => {
  it.each([
    ['a NUL', 'Ada\u0000Rossi'],
    ['a lone high surrogate', 'Ada\ud800'],
    ['a lone low surrogate', '\udc00Ada'],
  ])('refuses %s in a string value, naming the field', (_, name) => {
    const outcome = validatePublishBody({ events: [acquired(name)] }, { maxEvents: 10 });
    expect(outcome).toMatchObject({
      ok: false,
      errors: [{ index: 0, path: '$.events[0].data.profile.name', code: 'INVALID_FIELD' }],
    });
  });

  it('refuses a NUL in an attribute key', () => {
    const outcome = validatePublishBody(acquired('Ada', { attributes: { 'pl\u0000an': 'gold' } }), {
      maxEvents: 10,
    });
    expect(outcome).toMatchObject({ ok: false, errors: [{ path: '$.data.attributes.pl\u0000an' }] });
  });

  it('names a prototype key or bad text deep in arrays with its index (the cheap first walk defers to the exact one)', () => {
    const purchase = (items: unknown) =>
      JSON.parse(
        JSON.stringify({
          eventId: '7f1c2a3e-8d4b-4c1a-9e2f-0a1b2c3d4e5f',
          type: 'CustomerPurchased',
          customerId: 'c-1',
          occurredAt: '2026-01-05T09:00:00Z',
          data: { orderId: 'o-1', amount: { minor: 100, currency: 'EUR' }, items },
        }).replace('"HOOK"', '"__proto__"'),
      ) as unknown;
    const item = { sku: 's', quantity: 1, unitPrice: { minor: 100, currency: 'EUR' } };
    expect(
      validatePublishBody({ events: [purchase([item, { ...item, HOOK: { x: 1 } }])] }, { maxEvents: 10 }),
    ).toMatchObject({
      ok: false,
      errors: [{ path: '$.events[0].data.items[1].__proto__', code: 'UNKNOWN_FIELD' }],
    });
    expect(
      validatePublishBody({ events: [purchase([item, { ...item, sku: 'a\u0000b' }])] }, { maxEvents: 10 }),
    ).toMatchObject({
      ok: false,
      errors: [{ path: '$.events[0].data.items[1].sku', code: 'INVALID_FIELD' }],
    });
  });

  it('answers a repeated occurredAt as the first time (the date check remembers answers, not events)', () => {
    const at = (occurredAt: string, i: number) => ({
      ...acquired('Ada'),
      customerId: `c-${i}`,
      occurredAt,
      eventId: undefined,
    });
    const bad = validatePublishBody(
      { events: [at('2026-02-30T09:00:00Z', 1), at('2026-02-30T09:00:00Z', 2)] },
      { maxEvents: 10 },
    );
    expect(bad).toMatchObject({
      ok: false,
      errors: [
        { index: 0, path: '$.events[0].occurredAt' },
        { index: 1, path: '$.events[1].occurredAt' },
      ],
    });
    const good = validatePublishBody(
      { events: [at('2026-02-28T09:00:00Z', 1), at('2026-02-28T09:00:00Z', 2)] },
      { maxEvents: 10 },
    );
    expect(good.ok).toBe(true);
  });

  it('accepts any well-formed Unicode, astral characters and controls other than NUL included', () => {
    const outcome = validatePublishBody(acquired('Ada \ud83d\ude00 \u4e2d\u6587 \t\n\u0001 \u200b'), {
      maxEvents: 10,
    });
    expect(outcome.ok).toBe(true);
  });

  it('validates one event on its own, with the index its batch gives it and eventId required on demand', () => {
    const { eventId: _id, ...withoutId } = acquired('Ada');
    expect(validatePublishedEvent(acquired('Ada'), { index: 7 })).toMatchObject({
      ok: true,
      events: [{ index: 7, customerId: 'c-1' }],
    });
    expect(validatePublishedEvent(withoutId, { requireEventId: true })).toMatchObject({
      ok: false,
      errors: [{ path: '$.eventId', code: 'MISSING_FIELD' }],
    });
    expect(validatePublishedEvent(withoutId, {})).toMatchObject({ ok: true });
    // One event whatever its keys: an `events` key is an unknown field, not a batch.
    expect(validatePublishedEvent({ ...acquired('Ada'), events: [] }, {})).toMatchObject({
      ok: false,
      errors: [{ path: '$.events', code: 'UNKNOWN_FIELD' }],
    });
  });
});
