import { customerStreamId } from '@crm/domain';
import { CUSTOMER_READ_MODEL_PROJECTION, CustomerQueries, CustomerReadModelProjector } from '@crm/read-model';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { expectReadModelEqualsFold, publishInBatches, waitForPipeline } from '../support/pipeline-checks';
import { publishedHistory } from '../support/published-history';

/** The whole flow in one process, as `npm start` runs it: SQLite store, in-process bus, SQLite read model. */
describe('embedded pipeline: 10,000 events for 1,000 customers', () => {
  let api: ApiHarness;
  const history = publishedHistory(1_000, 10, 2026);
  const customerIds = [...new Set(history.map((e) => e.customerId))];

  beforeAll(async () => {
    api = await startApi({}, { withWorker: true });
  });
  afterAll(() => api.close());

  it('projects every customer exactly as the fold of its stream', async () => {
    expect(history.length).toBe(10_000);
    await publishInBatches(api.http, history, 500);
    await waitForPipeline(api.http, 60_000);
    expect(await expectReadModelEqualsFold(api.store, api.app.get(CustomerQueries), customerIds)).toBe(1_000);

    const sample = await request(api.http).get(`/v1/customers/${customerIds[0]}`).expect(200);
    expect(sample.body.customerId).toBe(customerIds[0]);
  }, 120_000);

  it('changes nothing when the same events are published again or redelivered to the projector', async () => {
    const head = await api.store.headPosition();
    await publishInBatches(api.http, history.slice(0, 2_000), 500);
    expect(await api.store.headPosition()).toBe(head);

    // Redelivery: every event of the store applied a second time, in large overlapping batches.
    const projector = api.app.get(CustomerReadModelProjector);
    let after: bigint | undefined;
    for (;;) {
      const batch = await api.store.readAll({ after, maxCount: 700, streamPrefix: 'customer-' });
      if (batch.length === 0) break;
      const result = await projector.apply(batch, { projection: CUSTOMER_READ_MODEL_PROJECTION });
      expect(result.applied).toBe(0);
      after = batch[batch.length - 1].globalPosition;
    }
    expect(await expectReadModelEqualsFold(api.store, api.app.get(CustomerQueries), customerIds)).toBe(1_000);
  }, 120_000);

  it('answers read-your-writes: a read with minPosition sees the write it names', async () => {
    const customerId = customerIds[1];
    const stream = await api.store.readStream(customerStreamId(customerId));
    const res = await request(api.http)
      .post('/v1/events')
      .send({
        type: 'CustomerContacted',
        customerId,
        occurredAt: '2026-06-01T10:00:00Z',
        data: { channel: 'chat', direction: 'inbound', purpose: 'retention' },
      })
      .expect(201);
    const position = res.body.results[0].globalPosition;
    const view = await request(api.http)
      .get(`/v1/customers/${customerId}?minPosition=${position}`)
      .expect(200);
    expect(view.body.streamRevision).toBe(stream.length);
    expect(view.body.lastGlobalPosition).toBe(position);
  }, 30_000);
});
