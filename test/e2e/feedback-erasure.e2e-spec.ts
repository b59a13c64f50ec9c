import { createEventStore, type EventStore, type RecordedEvent } from '@crm/event-store';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent } from '../support/event-fixtures';

const COMMENT = 'Call me on my mobile, Lucia from Bergamo';
const feedback = (customerId: string, score: number, comment?: string) => ({
  eventId: randomUUID(),
  type: 'CustomerFeedbackGiven',
  customerId,
  occurredAt: '2026-02-10T10:00:00Z',
  data: { metric: 'nps', score, channel: 'email', surveyId: 'nps-q1', ...(comment ? { comment } : {}) },
});

/**
 * A survey answer's free-text comment is personal data: the event store keeps it sealed with the customer's
 * key like the profile's name and e-mail, so erasure (DELETE /v1/customers/{id}/personal-data) removes it from
 * every read of the store, a replay included, while the NPS score stays.
 */
describe('erasure of feedback comments', () => {
  let api: ApiHarness;
  let raw: EventStore;
  const customerId = `c-${randomUUID()}`;
  const timeline = async () =>
    (await request(api.http).get(`/v1/customers/${customerId}/events`).expect(200)).body.events as {
      type: string;
      data: Record<string, unknown>;
    }[];
  const answers = async () => (await timeline()).filter((e) => e.type === 'CustomerFeedbackGiven');

  beforeAll(async () => {
    api = await startApi({}, { withWorker: true });
    raw = createEventStore({ dataDir: api.config.dataDir, raw: true });
    await request(api.http)
      .post('/v1/events')
      .send({
        events: [acquiredEvent(customerId), feedback(customerId, 3, COMMENT), feedback(customerId, 9)],
      })
      .expect(201);
  }, 90_000);
  afterAll(async () => {
    await raw?.close();
    await api?.close();
  }, 60_000);

  it('shows the comment to readers while the store holds it sealed', async () => {
    expect((await answers()).map((e) => e.data)).toEqual([
      { metric: 'nps', score: 3, channel: 'email', surveyId: 'nps-q1', comment: COMMENT },
      { metric: 'nps', score: 9, channel: 'email', surveyId: 'nps-q1' },
    ]);
    const sealed = (await raw.readStream(`customer-${customerId}`))[1];
    expect(sealed.data).not.toHaveProperty('comment');
    expect(sealed.data).toMatchObject({ score: 3, sealedPersonalData: { keyId: expect.any(String) } });
    expect(readFileSync(join(api.config.dataDir, 'events.sqlite')).includes('Bergamo')).toBe(false);
  });

  it('erases the comment everywhere the store is read; the scores stay', async () => {
    await request(api.http).delete(`/v1/customers/${customerId}/personal-data`).expect(200);
    expect((await answers()).map((e) => e.data)).toEqual([
      { metric: 'nps', score: 3, channel: 'email', surveyId: 'nps-q1' },
      { metric: 'nps', score: 9, channel: 'email', surveyId: 'nps-q1' },
    ]);
    // A replay reads the stream and the global order: neither has the comment any more.
    const replayed: RecordedEvent[] = [
      ...(await api.store.readStream(`customer-${customerId}`)),
      ...(await api.store.readAll({ streamPrefix: `customer-${customerId}` })),
    ];
    expect(replayed.filter((e) => e.type === 'CustomerFeedbackGiven').map((e) => e.data.score)).toEqual([
      3, 9, 3, 9,
    ]);
    expect(JSON.stringify(replayed, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain(
      'Bergamo',
    );
  });

  it('refuses a new comment of the erased customer (PERSONAL_DATA_ERASED), not the score alone', async () => {
    const refused = await request(api.http)
      .post('/v1/events')
      .send(feedback(customerId, 6, 'hello again'));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'PERSONAL_DATA_ERASED',
      errors: [{ path: '$.data.comment' }],
    });
    await request(api.http).post('/v1/events').send(feedback(customerId, 6)).expect(201);
    expect((await answers()).map((e) => e.data.score)).toEqual([3, 9, 6]);
  });
});
