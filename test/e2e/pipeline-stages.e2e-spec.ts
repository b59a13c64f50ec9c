import { AppConfig, loadConfig } from '@crm/config';
import { createApiApp, mintApiKey } from '@crm/http-api';
import type { INestApplication } from '@nestjs/common';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';

interface Stage {
  name: string;
  state: string;
  reason?: string;
  position: string | null;
  lagEvents: number;
}

const stagesOf = async (http: ApiHarness['http']): Promise<Stage[]> =>
  (await request(http).get('/v1/admin/pipeline').expect(200)).body.stages as Stage[];

const metricLine = (text: string, name: string, labels: string) =>
  text
    .split('\n')
    .find((line) => line.startsWith(`${name}{`) && labels.split(',').every((l) => line.includes(l)));

/**
 * Issue 12 item 6 and issue 14 item 4: the analytics projection is a pipeline stage like the others, and a
 * stage that does not keep up shows as lagging or stalled (or unavailable, with the reason) everywhere the
 * pipeline is visible: /v1/admin/pipeline, /v1/admin/projections, /health and the metrics.
 */
describe('pipeline stages: analytics listed, stalls visible', () => {
  describe('crm serve (API and worker in one process)', () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await startApi({ ANALYTICS_LINGER_MS: '20' }, { withWorker: true });
    }, 60_000);
    afterAll(() => api?.close(), 60_000);

    it('lists relay, read model and analytics, all live once caught up, in the pipeline and the metrics', async () => {
      await request(api.http)
        .post('/v1/events')
        .send({ events: [acquiredEvent('stage-a'), purchasedEvent('stage-a')] })
        .expect(201);
      const head = (await api.store.headPosition()).toString();
      let stages: Stage[] = [];
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        stages = await stagesOf(api.http);
        if (stages.every((s) => s.position === head)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(stages.map((s) => [s.name, s.state, s.position, s.lagEvents])).toEqual([
        ['relay', 'live', head, 0],
        ['customer-read-model', 'live', head, 0],
        ['analytics', 'live', head, 0],
      ]);
      const metrics = (await request(api.http).get('/metrics').expect(200)).text;
      expect(metricLine(metrics, 'crm_pipeline_position', 'stage="analytics"')).toMatch(
        new RegExp(` ${head}$`),
      );
      expect(metricLine(metrics, 'crm_pipeline_stage_state', 'stage="analytics",state="live"')).toMatch(
        / 1$/,
      );
      expect(metricLine(metrics, 'crm_pipeline_stage_state', 'stage="analytics",state="stalled"')).toMatch(
        / 0$/,
      );
      const health = await request(api.http).get('/health').expect(200);
      expect(health.body.status).toBe('ok');
    });
  });

  describe('consumers that do not advance while their lag grows (no worker runs)', () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await startApi({ PIPELINE_LAGGING_AFTER_MS: '100', PIPELINE_STALLED_AFTER_MS: '300' });
    }, 60_000);
    afterAll(() => api?.close(), 60_000);

    it('shows them stalled in the pipeline, the projections, /health (degraded) and the metrics', async () => {
      await request(api.http).post('/v1/events').send(acquiredEvent('stage-stuck')).expect(201);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await stagesOf(api.http); // first look: cannot yet tell slow from stuck
      await new Promise((resolve) => setTimeout(resolve, 400));
      const stages = await stagesOf(api.http);
      const analytics = stages.find((s) => s.name === 'analytics');
      expect(analytics).toMatchObject({ state: 'stalled', position: null, lagEvents: 1 });
      expect(analytics?.reason).toMatch(/no progress for \d+ s/);

      const projections = (await request(api.http).get('/v1/admin/projections').expect(200)).body;
      const list = (projections.projections ?? projections) as { name: string; state: string }[];
      expect(list.find((p) => p.name === 'analytics')?.state).toBe('stalled');

      const health = await request(api.http).get('/health').expect(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.pipeline.analytics).toMatchObject({ state: 'stalled', lagEvents: 1 });

      const metrics = (await request(api.http).get('/metrics').expect(200)).text;
      expect(metricLine(metrics, 'crm_pipeline_stage_state', 'stage="analytics",state="stalled"')).toMatch(
        / 1$/,
      );
      expect(metricLine(metrics, 'crm_projection_state', 'projection="analytics",state="stalled"')).toMatch(
        / 1$/,
      );
    });
  });

  describe('the split deployment API on an embedded DATA_DIR (the worker owns the engine)', () => {
    let app: INestApplication;
    let dataDir: string;
    let config: AppConfig;
    const admin = mintApiKey('ops', ['admin', 'analytics:read'], { perSecond: 1_000, burst: 1_000 });

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'crm-split-api-'));
      const {
        EVENTSTORE_URL: _e,
        KAFKA_BROKERS: _k,
        DATABASE_URL: _d,
        CLICKHOUSE_URL: _c,
        ...env
      } = process.env;
      config = loadConfig({ ...env, DATA_DIR: dataDir, PORT: '0', API_KEYS: JSON.stringify([admin.entry]) });
      app = await createApiApp(config, { logger: false, analyticsEngine: 'elsewhere' });
      await app.init();
    }, 60_000);
    afterAll(async () => {
      await app?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('never opens the engine, and says so: analytics unavailable with the reason, health degraded', async () => {
      const http = app.getHttpServer();
      const auth = { Authorization: `Bearer ${admin.token}` };
      const stages = (await request(http).get('/v1/admin/pipeline').set(auth).expect(200)).body
        .stages as Stage[];
      const analytics = stages.find((s) => s.name === 'analytics');
      expect(analytics?.state).toBe('unavailable');
      expect(analytics?.reason).toMatch(/belongs to the worker process/);

      const health = await request(http).get('/health').expect(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.checks.analytics).toBeUndefined();
      expect(health.body.pipeline.analytics.state).toBe('unavailable');

      const answer = await request(http).get('/v1/analytics/rfm?currency=EUR').set(auth);
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('ANALYTICS_UNAVAILABLE');
      // Nothing of the engine was opened here: no lock file a restarted worker could find taken.
      expect(existsSync(join(dataDir, 'clickhouse', 'status'))).toBe(false);
    });
  });
});
