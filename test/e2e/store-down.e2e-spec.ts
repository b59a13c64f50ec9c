import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent } from '../support/event-fixtures';

describe('event store down', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
    await api.store.close();
  });
  afterAll(() => api.close());

  it('reports unhealthy with 503, naming the store', async () => {
    const res = await request(api.http).get('/health').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ code: 'UNHEALTHY', checks: { eventStore: { status: 'down' } } });
    expect(res.body.checks.readModel.status).toBe('up');
  });

  it('answers a publish with 503 and Retry-After, leaking nothing', async () => {
    const res = await request(api.http)
      .post('/v1/events')
      .send(acquiredEvent(`c-${randomUUID()}`))
      .expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE', status: 503 });
    expect(JSON.stringify(res.body)).not.toMatch(/sqlite|\.ts:|node_modules/i);
  });
});
