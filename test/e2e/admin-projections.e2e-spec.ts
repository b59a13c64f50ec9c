import { READ_MODEL_DATA_SOURCE, RebuildLeases } from '@crm/read-model';
import { appendInOrder } from '@crm/read-model/testing';
import { generateCustomerHistory } from '@crm/read-model/testing';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ApiHarness, startApi } from '../support/api-harness';

const PROJECTION = 'customer-read-model';

/** The admin API's view of projections and their rebuilds, on the embedded deployment without a worker. */
describe('GET /v1/admin/projections and POST /v1/admin/projections/{name}/rebuild', () => {
  let api: ApiHarness;
  const history = generateCustomerHistory({ customers: 30, seed: 3 });

  beforeAll(async () => {
    api = await startApi();
    await appendInOrder(api.store, history.events);
  });
  afterAll(() => api.close());

  const status = async () =>
    (await request(api.http).get(`/v1/admin/projections/${PROJECTION}`).expect(200)).body;

  it('lists each projection live, with its position and lag against the store (nothing projected yet)', async () => {
    const res = await request(api.http).get('/v1/admin/projections').expect(200);
    expect(res.body).toEqual({
      projections: [
        {
          name: PROJECTION,
          aliases: ['read-model'],
          state: 'live',
          position: null,
          headPosition: String(history.events.length),
          lagEvents: history.events.length,
          lagEventsCapped: false,
          lagMs: expect.any(Number),
          rebuild: null,
          failure: null,
        },
        {
          name: 'analytics',
          aliases: [],
          state: 'live',
          position: null,
          headPosition: String(history.events.length),
          lagEvents: history.events.length,
          lagEventsCapped: false,
          lagMs: expect.any(Number),
          rebuild: null,
          failure: null,
        },
      ],
    });
  });

  it('rebuilds on request: 202 with the progress location, then live and caught up', async () => {
    const res = await request(api.http).post('/v1/admin/projections/read-model/rebuild').send({}).expect(202);
    expect(res.headers.location).toBe(`/v1/admin/projections/${PROJECTION}`);
    expect(res.body).toMatchObject({ name: PROJECTION, rebuild: { startPosition: '0' } });
    const deadline = Date.now() + 30_000;
    let body = await status();
    while (body.rebuild.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      body = await status();
    }
    expect(body).toMatchObject({
      state: 'live',
      position: String(history.events.length),
      lagEvents: 0,
      lagMs: 0,
      failure: null,
      rebuild: {
        status: 'completed',
        position: String(history.events.length),
        eventsApplied: history.events.length,
        progress: 1,
        etaMs: null,
        leaseExpiresAt: null,
      },
    });
  });

  it('rebuilds the analytics store in the serving process (the way beside an embedded engine)', async () => {
    await request(api.http).post('/v1/admin/projections/analytics/rebuild').send({}).expect(202);
    const deadline = Date.now() + 60_000;
    const analytics = async () =>
      (await request(api.http).get('/v1/admin/projections/analytics').expect(200)).body;
    let body = await analytics();
    while (body.rebuild.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      body = await analytics();
    }
    expect(body).toMatchObject({
      state: 'live',
      position: String(history.events.length),
      lagEvents: 0,
      failure: null,
      rebuild: { status: 'completed', eventsApplied: history.events.length, progress: 1 },
    });
  });

  it('answers 404 for an unknown projection and 400 for a bad body', async () => {
    const unknown = await request(api.http).post('/v1/admin/projections/nope/rebuild').expect(404);
    expect(unknown.body).toMatchObject({
      code: 'UNKNOWN_PROJECTION',
      projections: [PROJECTION, 'analytics'],
    });
    await request(api.http).get('/v1/admin/projections/nope').expect(404);
    for (const [body, path] of [
      [{ batchSize: 0 }, '$.batchSize'],
      [{ batchSize: 'many' }, '$.batchSize'],
      [{ fromScratch: 'yes' }, '$.fromScratch'],
      [{ force: true }, '$.force'],
    ] as const) {
      const res = await request(api.http)
        .post(`/v1/admin/projections/${PROJECTION}/rebuild`)
        .send(body)
        .expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path }] });
    }
  });

  it('answers 409 while another process rebuilds, and reports a holder that died as failed', async () => {
    const leases = new RebuildLeases(api.app.get<DataSource>(READ_MODEL_DATA_SOURCE));
    await leases.acquire(PROJECTION, 'other-host-42', 60_000);
    await leases.progress(PROJECTION, 'other-host-42', 60_000, {
      startPosition: 0n,
      position: 100n,
      targetPosition: 400n,
      eventsApplied: 100,
    });
    expect(await status()).toMatchObject({
      state: 'rebuilding',
      failure: null,
      rebuild: { status: 'running', owner: 'other-host-42', position: '100', progress: 0.25 },
    });
    const conflict = await request(api.http).post(`/v1/admin/projections/${PROJECTION}/rebuild`).expect(409);
    expect(conflict.body).toMatchObject({
      code: 'REBUILD_ALREADY_RUNNING',
      projection: PROJECTION,
      owner: 'other-host-42',
      leaseExpiresAt: expect.stringMatching(/^\d{4}-/),
    });

    // The holder dies: once its lease has expired the projection shows failed, with the reason, and a new
    // rebuild may take over.
    await leases.progress(PROJECTION, 'other-host-42', 60_000, {}, Date.now() - 120_000);
    const dead = await status();
    expect(dead).toMatchObject({ state: 'failed', rebuild: { status: 'running', owner: 'other-host-42' } });
    expect(dead.failure.reason).toMatch(/other-host-42 stopped renewing its lease/);
    await request(api.http).post(`/v1/admin/projections/${PROJECTION}/rebuild`).expect(202);
    const deadline = Date.now() + 30_000;
    let body = await status();
    while (body.rebuild.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      body = await status();
    }
    expect(body).toMatchObject({ state: 'live', failure: null, rebuild: { status: 'completed' } });
  });
});
