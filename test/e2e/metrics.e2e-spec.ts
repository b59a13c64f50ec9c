import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { publishInBatches, waitForPipeline } from '../support/pipeline-checks';
import { publishedHistory } from '../support/published-history';

/** `name{labels} value` lines of a Prometheus text exposition, as a map. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

const PROJECTION = 'customer-read-model';
const DLQ = 'crm.customer-lifecycle.v1.dlq';

describe('GET /metrics (Prometheus)', () => {
  let api: ApiHarness;
  const history = publishedHistory(40, 6, 21);
  const customers = new Set(history.map((e) => e.customerId)).size;

  beforeAll(async () => {
    api = await startApi({}, { withWorker: true });
  });
  afterAll(() => api.close());

  const scrape = async () => {
    const res = await request(api.http).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return samples(res.text);
  };

  it('is for admin keys only', async () => {
    await request(api.http).get('/metrics').set('authorization', 'Bearer nope').expect(401);
  });

  it('measures appends, pipeline lag, projection state and dead letters', async () => {
    await publishInBatches(api.http, history, 50);
    // A purchase the projector can never apply (a fractional minor amount): it is dead-lettered.
    await api.store.appendToStream(`customer-poison-${randomUUID()}`, [
      {
        eventId: randomUUID(),
        type: 'CustomerPurchased',
        occurredAt: '2026-01-01T00:00:00.000Z',
        data: { orderId: 'o-poison', amount: { minor: 1.5, currency: 'EUR' } },
        metadata: { schemaVersion: 2 },
      },
    ]);
    await publishInBatches(api.http, publishedHistory(1, 2, 22), 10); // moves the checkpoints past it
    await waitForPipeline(api.http, 60_000);

    const m = await scrape();
    const head = Number((await api.store.headPosition()).toString());
    expect(m.get('crm_event_store_head_position')).toBe(head);
    expect(m.get('crm_event_store_appended_events_total')).toBe(head);
    // One append per customer and request at least; every append is timed.
    expect(m.get('crm_event_store_append_duration_seconds_count{outcome="ok"}')).toBeGreaterThanOrEqual(
      customers,
    );
    expect(m.get('crm_event_store_append_batch_events_count')).toBe(
      m.get('crm_event_store_append_duration_seconds_count{outcome="ok"}'),
    );
    expect(m.get('crm_event_store_append_batch_events_sum')).toBe(head);
    expect(m.get('crm_pipeline_lag_events{stage="relay",kind="relay"}')).toBe(0);
    expect(m.get(`crm_pipeline_lag_events{stage="${PROJECTION}",kind="projection"}`)).toBe(0);
    expect(m.get(`crm_pipeline_lag_seconds{stage="${PROJECTION}",kind="projection"}`)).toBe(0);
    expect(m.get('crm_pipeline_position{stage="relay",kind="relay"}')).toBe(head);
    expect(m.get(`crm_projection_state{projection="${PROJECTION}",state="live"}`)).toBe(1);
    expect(m.get(`crm_projection_state{projection="${PROJECTION}",state="rebuilding"}`)).toBe(0);
    expect(m.get(`crm_dead_lettered_events{topic="${DLQ}"}`)).toBeGreaterThanOrEqual(1);
    expect(m.get('crm_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('shows a rebuild and its progress', async () => {
    await request(api.http)
      .post(`/v1/admin/projections/${PROJECTION}/rebuild`)
      .send({ batchSize: 50 })
      .expect(202);
    const deadline = Date.now() + 30_000;
    let m = await scrape();
    while (m.get(`crm_projection_rebuild_progress_ratio{projection="${PROJECTION}"}`) !== 1) {
      if (Date.now() > deadline) throw new Error('rebuild did not finish');
      await new Promise((resolve) => setTimeout(resolve, 50));
      m = await scrape();
    }
    const customerEvents = (await api.store.readAll({ maxCount: 100_000, streamPrefix: 'customer-' })).length;
    expect(m.get(`crm_projection_rebuild_events_applied{projection="${PROJECTION}"}`)).toBe(customerEvents);
    expect(m.get(`crm_projection_state{projection="${PROJECTION}",state="live"}`)).toBe(1);
  });
});
