import { loadConfig } from '@crm/config';
import { createApiApp, mintApiKey } from '@crm/http-api';
import { deadLetterTopic } from '@crm/messaging';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { acquiredEvent } from '../support/event-fixtures';
import { deleteTopics } from '../support/kafka-records';
import { createTestDatabase } from '../support/postgres-database';
import { WorkerProcess } from '../support/worker-process';

const brokers = process.env.KAFKA_BROKERS?.split(',');
const serverUrl = process.env.DATABASE_URL;
const describeWithServers = brokers && serverUrl ? describe : describe.skip;
if (!brokers || !serverUrl)
  console.warn(
    'Split analytics owner e2e skipped: KAFKA_BROKERS and DATABASE_URL must be set (bash infra/local/servers.sh up)',
  );

interface Stage {
  name: string;
  state: string;
  position: string | null;
  headPosition: string;
  details?: { source?: string };
}

jest.setTimeout(180_000);

/**
 * Issue 14 item 4, as it was found: the split deployment (API and worker processes) on one DATA_DIR without
 * CLICKHOUSE_URL. The worker owns the embedded engine and the API never opens it, so a killed worker's
 * replacement takes the engine and analytics catches up; while no worker projects, the API shows the
 * analytics stage stalled (from the checkpoint the worker reports), not live.
 */
describeWithServers('split deployment on one DATA_DIR: the worker owns the embedded engine', () => {
  const admin = mintApiKey('ops', ['admin', 'events:write'], { perSecond: 10_000, burst: 10_000 });
  const topic = `crm-e2e-${randomUUID().slice(0, 8)}`;
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> };
  let api: INestApplication;
  const workers: WorkerProcess[] = [];

  const auth = { Authorization: `Bearer ${admin.token}` };
  const analytics = async (): Promise<Stage> => {
    const res = await request(api.getHttpServer()).get('/v1/admin/pipeline').set(auth).expect(200);
    return (res.body.stages as Stage[]).find((s) => s.name === 'analytics') as Stage;
  };
  const until = async (what: string, check: (stage: Stage) => boolean, timeoutMs = 90_000) => {
    let last: Stage | undefined;
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      last = await analytics();
      if (check(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${what}: analytics stage ${JSON.stringify(last)}`);
  };
  const publish = (ids: string[]) =>
    request(api.getHttpServer())
      .post('/v1/events')
      .set(auth)
      .send({ events: ids.map((id) => acquiredEvent(id)) })
      .expect(201);
  const worker = (name: string) => {
    const w = new WorkerProcess(
      name,
      {
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        KAFKA_BROKERS: brokers!.join(','),
        KAFKA_TOPIC: topic,
        ANALYTICS_LINGER_MS: '20',
        RELAY_LEASE_TTL_MS: '3000',
        RELAY_HEARTBEAT_MS: '300',
        API_KEYS: JSON.stringify([admin.entry]),
      },
      join(dataDir, `${name}.log`),
    );
    workers.push(w);
    w.start();
    return w;
  };

  beforeAll(async () => {
    WorkerProcess.assertBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'crm-split-owner-'));
    database = await createTestDatabase(serverUrl!);
    const { EVENTSTORE_URL: _e, CLICKHOUSE_URL: _c, KAFKA_BROKERS: _k, ...env } = process.env;
    const config = loadConfig({
      ...env,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      PORT: '0',
      API_KEYS: JSON.stringify([admin.entry]),
      PIPELINE_LAGGING_AFTER_MS: '200',
      PIPELINE_STALLED_AFTER_MS: '1000',
    });
    api = await createApiApp(config, { logger: false, analyticsEngine: 'elsewhere' });
    await api.init();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await api?.close();
    await database?.drop().catch(() => undefined);
    if (brokers) await deleteTopics(brokers, [topic, deadLetterTopic(topic)]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a killed worker's replacement takes the engine; meanwhile the API shows analytics stalled", async () => {
    const first = worker('worker-a');
    await publish(['split-1', 'split-2']);
    const caughtUp = await until('first worker projects', (s) => s.position === s.headPosition);
    expect(caughtUp.state).toBe('live');
    expect(caughtUp.details?.source).toMatch(/reported by the worker/);

    await first.kill('SIGKILL');
    await publish(['split-3']);
    // Nobody projects: the stage does not move while its oldest event ages.
    const stalled = await until('stalled without a worker', (s) => s.state === 'stalled', 30_000);
    expect(BigInt(stalled.position ?? '0')).toBeLessThan(BigInt(stalled.headPosition));
    const health = await request(api.getHttpServer()).get('/health').expect(200);
    expect(health.body.status).toBe('degraded');

    worker('worker-b');
    const after = await until('replacement worker projects', (s) => s.position === s.headPosition);
    expect(after.state).toBe('live');
  });
});
