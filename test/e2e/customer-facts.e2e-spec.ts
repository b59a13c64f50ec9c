import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent } from '../support/event-fixtures';

type Event = Record<string, unknown> & { data: Record<string, unknown> };
const fact = (type: string, customerId: string, data: Record<string, unknown>): Event => ({
  eventId: randomUUID(),
  type,
  customerId,
  occurredAt: '2026-02-10T10:00:00Z',
  metadata: { source: 'survey-service' },
  data,
});
const nps = (customerId: string, data: Record<string, unknown> = {}) =>
  fact('CustomerFeedbackGiven', customerId, {
    metric: 'nps',
    score: 9,
    channel: 'email',
    surveyId: 'nps-2026-q1',
    comment: 'Quick delivery',
    ...data,
  });
const opened = (customerId: string, complaintId = 'cmp-1', data: Record<string, unknown> = {}) =>
  fact('CustomerComplaintOpened', customerId, {
    complaintId,
    category: 'delivery',
    severity: 'high',
    channel: 'phone',
    orderId: 'o-1',
    ...data,
  });
const resolved = (customerId: string, complaintId = 'cmp-1', data: Record<string, unknown> = {}) =>
  fact('CustomerComplaintResolved', customerId, {
    complaintId,
    resolution: 'refund',
    compensation: { minor: 1500, currency: 'EUR' },
    accepted: true,
    ...data,
  });
const consent = (
  type: 'CustomerConsentGranted' | 'CustomerConsentWithdrawn',
  customerId: string,
  channel: string,
) => fact(type, customerId, { channel, purpose: 'marketing', source: 'preference-centre' });
const marketing = (customerId: string, channel: string) =>
  fact('CustomerContacted', customerId, {
    channel,
    direction: 'outbound',
    purpose: 'marketing',
    campaign: 'x',
  });
const preferences = (customerId: string) =>
  fact('CustomerPreferencesSet', customerId, {
    preferredChannel: 'sms',
    language: 'pt-BR',
    contactFrequency: 'monthly',
    categories: ['books'],
  });
const withData = (event: Event, data: Record<string, unknown>): Event => ({
  ...event,
  data: { ...event.data, ...data },
});
const without = (event: Event, field: string): Event => {
  const { [field]: _gone, ...data } = event.data;
  return { ...event, data };
};

/**
 * Issue 13's facts through POST /v1/events and POST /v1/marketing/spend on the embedded deployment: each is
 * appended as published; bad input is 400 with the field's path, a broken rule 422 with its stable code, and
 * neither appends anything.
 */
describe('satisfaction, complaints, consent, preferences and marketing spend (embedded store)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  const post = (body: unknown) =>
    request(api.http)
      .post('/v1/events')
      .send(body as object);
  const spend = (body: unknown) =>
    request(api.http)
      .post('/v1/marketing/spend')
      .send(body as object);
  /** A customer acquired without any consent (the fixture's e-mail consent left out). */
  const newCustomer = async () => {
    const customerId = `c-${randomUUID()}`;
    const acquisition = acquiredEvent(customerId);
    const { consents: _none, ...data } = acquisition.data;
    await post({ ...acquisition, data }).expect(201);
    return customerId;
  };
  const streamOf = (customerId: string) => api.store.readStream(`customer-${customerId}`);

  it('appends every new fact as published, in the stream of its customer', async () => {
    const customerId = await newCustomer();
    const events = [
      nps(customerId),
      fact('CustomerFeedbackGiven', customerId, {
        metric: 'csat',
        score: 1,
        channel: 'in_store',
        surveyId: 's',
      }),
      opened(customerId),
      resolved(customerId),
      consent('CustomerConsentGranted', customerId, 'sms'),
      consent('CustomerConsentWithdrawn', customerId, 'sms'),
      preferences(customerId),
    ];
    const res = await post({ events }).expect(201);
    expect(res.body.results.map((r: { type: string }) => r.type)).toEqual(events.map((e) => e.type));
    const stream = await streamOf(customerId);
    expect(stream.slice(1).map((e) => ({ type: e.type, data: e.data }))).toEqual(
      events.map((e) => ({ type: e.type, data: e.data })),
    );
    expect(stream[1].metadata).toMatchObject({ source: 'survey-service', schemaVersion: 1 });
  });

  it('records consents given with the acquisition, and a cost on a contact', async () => {
    const customerId = `c-${randomUUID()}`;
    const acquisition = acquiredEvent(customerId, {
      data: { channel: 'organic', profile: {}, consents: [{ channel: 'sms', purpose: 'marketing' }] },
    });
    const contact = withData(marketing(customerId, 'sms'), { cost: { minor: 7, currency: 'EUR' } });
    await post({ events: [acquisition, contact] }).expect(201);
    expect((await streamOf(customerId))[1].data).toEqual(contact.data);
  });

  describe('consent: outbound marketing under the default policy', () => {
    it('refuses e-mail marketing without consent with 422 CONSENT_REQUIRED, appending nothing', async () => {
      const customerId = await newCustomer();
      const res = await post(marketing(customerId, 'email')).expect(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'CONSENT_REQUIRED', errors: [{ path: '$.data.channel' }] });
      expect(await streamOf(customerId)).toHaveLength(1);
    });

    it('allows it after a grant, refuses it again after the withdrawal (CONSENT_WITHDRAWN)', async () => {
      const customerId = await newCustomer();
      await post({
        events: [consent('CustomerConsentGranted', customerId, 'email'), marketing(customerId, 'email')],
      }).expect(201);
      await post(consent('CustomerConsentWithdrawn', customerId, 'email')).expect(201);
      const res = await post(marketing(customerId, 'email')).expect(422);
      expect(res.body.code).toBe('CONSENT_WITHDRAWN');
      expect(await streamOf(customerId)).toHaveLength(4);
    });

    it('allows phone marketing without a statement (opt-out), not after an objection', async () => {
      const customerId = await newCustomer();
      await post(marketing(customerId, 'phone')).expect(201);
      await post(consent('CustomerConsentWithdrawn', customerId, 'phone')).expect(201);
      expect((await post(marketing(customerId, 'phone')).expect(422)).body.code).toBe('CONSENT_WITHDRAWN');
    });
  });

  describe('complaints: opened once, resolved once', () => {
    it('refuses a second opening, resolving an unknown complaint and a second resolution (422)', async () => {
      const customerId = await newCustomer();
      await post(opened(customerId, 'cmp-7')).expect(201);
      const cases: [Event, string][] = [
        [opened(customerId, 'cmp-7'), 'COMPLAINT_ALREADY_OPENED'],
        [resolved(customerId, 'cmp-unknown'), 'COMPLAINT_NOT_FOUND'],
      ];
      for (const [event, code] of cases) {
        const res = await post(event).expect(422);
        expect(res.body).toMatchObject({ code, errors: [{ code, path: '$.data.complaintId' }] });
      }
      await post(resolved(customerId, 'cmp-7')).expect(201);
      expect((await post(resolved(customerId, 'cmp-7')).expect(422)).body.code).toBe(
        'COMPLAINT_ALREADY_RESOLVED',
      );
      expect(await streamOf(customerId)).toHaveLength(3);
    });

    it('refuses a whole batch whose resolution finds no complaint, listing it by index', async () => {
      const customerId = await newCustomer();
      const res = await post({ events: [nps(customerId), resolved(customerId, 'cmp-nope')] }).expect(422);
      expect(res.body).toMatchObject({
        code: 'LIFECYCLE_RULE_BROKEN',
        errors: [{ index: 1, code: 'COMPLAINT_NOT_FOUND', path: '$.data.complaintId' }],
      });
      expect(await streamOf(customerId)).toHaveLength(1);
    });

    it('accepts feedback and complaints from a churned customer', async () => {
      const customerId = await newCustomer();
      const churn = fact('CustomerChurned', customerId, { reason: 'service', voluntary: true });
      await post({
        events: [opened(customerId), churn, nps(customerId, { score: 2 }), resolved(customerId)],
      }).expect(201);
    });
  });

  describe('bad input: 400 with the field at fault, nothing appended', () => {
    let customerId: string;
    beforeAll(async () => {
      customerId = await newCustomer();
      await post(opened(customerId, 'cmp-open')).expect(201);
    });

    const cases: [string, () => Event, string, string][] = [
      ['an NPS score of 11', () => nps(customerId, { score: 11 }), '$.data.score', 'INVALID_FIELD'],
      ['an NPS score of -1', () => nps(customerId, { score: -1 }), '$.data.score', 'INVALID_FIELD'],
      ['a fractional NPS score', () => nps(customerId, { score: 8.5 }), '$.data.score', 'INVALID_FIELD'],
      [
        'a CSAT score of 0',
        () => nps(customerId, { metric: 'csat', score: 0 }),
        '$.data.score',
        'INVALID_FIELD',
      ],
      [
        'a CSAT score of 6',
        () => nps(customerId, { metric: 'csat', score: 6 }),
        '$.data.score',
        'INVALID_FIELD',
      ],
      ['a score as text', () => nps(customerId, { score: '9' }), '$.data.score', 'INVALID_FIELD'],
      ['an unknown metric', () => nps(customerId, { metric: 'ces' }), '$.data.metric', 'INVALID_FIELD'],
      ['no score', () => without(nps(customerId), 'score'), '$.data.score', 'MISSING_FIELD'],
      [
        'an unknown survey channel',
        () => nps(customerId, { channel: 'fax' }),
        '$.data.channel',
        'INVALID_FIELD',
      ],
      [
        'a comment over 2,000 characters',
        () => nps(customerId, { comment: 'x'.repeat(2001) }),
        '$.data.comment',
        'INVALID_FIELD',
      ],
      [
        'an unknown complaint category',
        () => opened(customerId, 'cmp-x', { category: 'weather' }),
        '$.data.category',
        'INVALID_FIELD',
      ],
      [
        'an unknown complaint channel',
        () => opened(customerId, 'cmp-x', { channel: 'pigeon' }),
        '$.data.channel',
        'INVALID_FIELD',
      ],
      [
        'an unknown severity',
        () => opened(customerId, 'cmp-x', { severity: 'dire' }),
        '$.data.severity',
        'INVALID_FIELD',
      ],
      [
        'an unknown resolution',
        () => resolved(customerId, 'cmp-open', { resolution: 'shrug' }),
        '$.data.resolution',
        'INVALID_FIELD',
      ],
      [
        'negative compensation',
        () => resolved(customerId, 'cmp-open', { compensation: { minor: -1, currency: 'EUR' } }),
        '$.data.compensation.minor',
        'INVALID_FIELD',
      ],
      [
        'fractional compensation',
        () => resolved(customerId, 'cmp-open', { compensation: { minor: 1.5, currency: 'EUR' } }),
        '$.data.compensation.minor',
        'INVALID_FIELD',
      ],
      [
        'compensation in no currency',
        () => resolved(customerId, 'cmp-open', { compensation: { minor: 100, currency: 'EURO' } }),
        '$.data.compensation.currency',
        'INVALID_FIELD',
      ],
      [
        'compensation without a currency',
        () => resolved(customerId, 'cmp-open', { compensation: { minor: 100 } }),
        '$.data.compensation.currency',
        'MISSING_FIELD',
      ],
      [
        'no accepted flag',
        () => without(resolved(customerId, 'cmp-open'), 'accepted'),
        '$.data.accepted',
        'MISSING_FIELD',
      ],
      [
        'an unknown consent purpose',
        () => fact('CustomerConsentGranted', customerId, { channel: 'email', purpose: 'spam' }),
        '$.data.purpose',
        'INVALID_FIELD',
      ],
      [
        'an unknown consent channel',
        () => fact('CustomerConsentWithdrawn', customerId, { channel: 'fax', purpose: 'marketing' }),
        '$.data.channel',
        'INVALID_FIELD',
      ],
      [
        'an unknown preferred channel',
        () => withData(preferences(customerId), { preferredChannel: 'fax' }),
        '$.data.preferredChannel',
        'INVALID_FIELD',
      ],
      [
        'a language that is no tag',
        () => withData(preferences(customerId), { language: 'Portuguese please' }),
        '$.data.language',
        'INVALID_FIELD',
      ],
      [
        'an unknown contact frequency',
        () => withData(preferences(customerId), { contactFrequency: 'hourly' }),
        '$.data.contactFrequency',
        'INVALID_FIELD',
      ],
      [
        'a contact cost in no currency',
        () => withData(marketing(customerId, 'phone'), { cost: { minor: 5, currency: 'ECU' } }),
        '$.data.cost.currency',
        'INVALID_FIELD',
      ],
      [
        'an acquisition consent for an unknown purpose',
        () =>
          acquiredEvent(`c-${randomUUID()}`, {
            data: { channel: 'organic', consents: [{ channel: 'email', purpose: 'spam' }] },
          }) as Event,
        '$.data.consents[0].purpose',
        'INVALID_FIELD',
      ],
    ];

    it.each(cases)('refuses %s', async (_, event, path, code) => {
      const head = await api.store.headPosition();
      const res = await post(event()).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toContainEqual(expect.objectContaining({ path, code }));
      expect(await api.store.headPosition()).toBe(head);
    });
  });

  describe('POST /v1/marketing/spend', () => {
    const body = (data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
      eventId: randomUUID(),
      occurredAt: '2026-04-01T08:00:00Z',
      metadata: { source: 'finance-service' },
      data: {
        campaign: `spring-${randomUUID().slice(0, 8)}`,
        channel: 'paid_search',
        periodStart: '2026-03-01',
        periodEnd: '2026-03-31',
        amount: { minor: 1_250_000, currency: 'EUR' },
        ...data,
      },
      ...extra,
    });

    it('appends the spend to its campaign stream, and answers a retry with the original result', async () => {
      const spent = body();
      const res = await spend(spent).expect(201);
      expect(res.body).toEqual({
        results: [
          {
            eventId: spent.eventId,
            campaign: spent.data.campaign,
            type: 'MarketingSpendRecorded',
            streamRevision: 0,
            globalPosition: expect.stringMatching(/^\d+$/),
          },
        ],
      });
      const stream = await api.store.readStream(`campaign-${spent.data.campaign}`);
      expect(stream).toHaveLength(1);
      expect(stream[0]).toMatchObject({
        eventId: spent.eventId,
        type: 'MarketingSpendRecorded',
        occurredAt: '2026-04-01T08:00:00.000Z',
        data: spent.data,
        metadata: { source: 'finance-service', schemaVersion: 1 },
      });
      expect((await spend(spent).expect(201)).body).toEqual(res.body);
      expect(await api.store.readStream(`campaign-${spent.data.campaign}`)).toHaveLength(1);
    });

    it('checks the expected revision of the campaign stream (409)', async () => {
      const first = body();
      await spend({ ...first, expectedRevision: -1 }).expect(201);
      const second = body({ campaign: first.data.campaign }, { expectedRevision: -1 });
      const res = await spend(second).expect(409);
      expect(res.body).toMatchObject({ code: 'REVISION_CONFLICT', actualRevision: 0 });
      await spend({ ...second, expectedRevision: 0 }).expect(201);
    });

    it.each<[string, Record<string, unknown>, Record<string, unknown>, number, string, string]>([
      [
        'a period that ends before it starts',
        { periodStart: '2026-03-31', periodEnd: '2026-03-01' },
        {},
        422,
        'SPEND_PERIOD_INVERTED',
        '$.data.periodEnd',
      ],
      [
        'a spend of zero',
        { amount: { minor: 0, currency: 'EUR' } },
        {},
        422,
        'SPEND_NOT_POSITIVE',
        '$.data.amount.minor',
      ],
      [
        'a negative amount',
        { amount: { minor: -5, currency: 'EUR' } },
        {},
        400,
        'INVALID_FIELD',
        '$.data.amount.minor',
      ],
      [
        'an amount in no currency',
        { amount: { minor: 5, currency: 'eur' } },
        {},
        400,
        'INVALID_FIELD',
        '$.data.amount.currency',
      ],
      ['an unknown channel', { channel: 'billboard' }, {}, 400, 'INVALID_FIELD', '$.data.channel'],
      [
        'a day that does not exist',
        { periodEnd: '2026-02-30' },
        {},
        400,
        'INVALID_FIELD',
        '$.data.periodEnd',
      ],
      [
        'a date-time for a day',
        { periodStart: '2026-03-01T00:00:00Z' },
        {},
        400,
        'INVALID_FIELD',
        '$.data.periodStart',
      ],
      [
        'a campaign that is no stream name',
        { campaign: 'spring 26!' },
        {},
        400,
        'INVALID_FIELD',
        '$.data.campaign',
      ],
      ['an unknown field', { budgetOwner: 'ann' }, {}, 400, 'UNKNOWN_FIELD', '$.data.budgetOwner'],
      [
        'a NUL in the metadata',
        {},
        { metadata: { source: 'fin\u0000ance' } },
        400,
        'INVALID_FIELD',
        '$.metadata.source',
      ],
      ['no occurredAt', {}, { occurredAt: undefined }, 400, 'MISSING_FIELD', '$.occurredAt'],
    ])('refuses %s, appending nothing', async (_, data, extra, status, code, path) => {
      const head = await api.store.headPosition();
      const res = await spend(body(data, extra)).expect(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ code, path }));
      expect(await api.store.headPosition()).toBe(head);
    });

    it('needs the events:write scope', async () => {
      await request(api.http)
        .post('/v1/marketing/spend')
        .set('Authorization', 'Bearer nope')
        .send(body())
        .expect(401);
    });
  });

  describe('the OpenAPI document', () => {
    it('lists every new fact in the discriminated oneOf of POST /v1/events, and documents the spend route', async () => {
      const doc = (await request(api.http).get('/docs/openapi.json').expect(200)).body;
      const oneOf = doc.paths['/v1/events'].post.requestBody.content['application/json'].schema.oneOf[0];
      for (const type of [
        'CustomerFeedbackGiven',
        'CustomerComplaintOpened',
        'CustomerComplaintResolved',
        'CustomerConsentGranted',
        'CustomerConsentWithdrawn',
        'CustomerPreferencesSet',
      ]) {
        expect(oneOf.discriminator.mapping[type]).toBe(`#/components/schemas/${type}EventDto`);
        expect(doc.components.schemas[`${type}EventDto`].properties.type.enum).toEqual([type]);
      }
      expect(doc.components.schemas.CustomerFeedbackGivenDataDto.additionalProperties).toBe(false);
      const spendRoute = doc.paths['/v1/marketing/spend'].post;
      expect(Object.keys(spendRoute.responses)).toEqual(
        expect.arrayContaining(['201', '400', '401', '409', '422']),
      );
      expect(spendRoute.security).toEqual([{ bearer: [] }]);
    });

    it('documents a spend example that succeeds as given', async () => {
      const doc = (await request(api.http).get('/docs/openapi.json').expect(200)).body;
      const example =
        doc.paths['/v1/marketing/spend'].post.requestBody.content['application/json'].examples.spend.value;
      await spend({
        ...example,
        eventId: randomUUID(),
        data: { ...example.data, campaign: `autumn-${randomUUID().slice(0, 8)}` },
      }).expect(201);
    });
  });
});
