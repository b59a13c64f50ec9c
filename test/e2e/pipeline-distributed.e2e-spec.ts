import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomerQueries, readRelayLease, READ_MODEL_DATA_SOURCE } from '@crm/read-model';
import type { DataSource } from 'typeorm';
import { ApiHarness, startApi } from '../support/api-harness';
import { readRelayHeaders, resetGroupToEarliest, waitForGroup } from '../support/kafka-inspection';
import { expectReadModelEqualsFold, publishInBatches } from '../support/pipeline-checks';
import { createTestDatabase } from '../support/postgres-database';
import { publishedHistory } from '../support/published-history';
import { WorkerProcess } from '../support/worker-process';

const brokers = process.env.KAFKA_BROKERS?.split(',');
const serverUrl = process.env.DATABASE_URL;
const KAFKA_SCRIPT = join(__dirname, '../../infra/local/kafka.sh');
const READ_MODEL_GROUP = 'crm.read-model';

const describeWithServers = brokers && serverUrl ? describe : describe.skip;
if (!brokers || !serverUrl) {
  console.warn(
    'Distributed pipeline e2e skipped: KAFKA_BROKERS and DATABASE_URL must be set (bash infra/local/servers.sh up)',
  );
}

/**
 * The distributed deployment for real: the API (SQLite store, PostgreSQL read model) in this process,
 * workers as separate OS processes (relay + projector) on Kafka and PostgreSQL. Workers are SIGKILLed and
 * the broker restarted mid-stream; afterwards every customer's read model must equal the fold of its stream.
 */
describeWithServers('distributed pipeline on Kafka and PostgreSQL', () => {
  let api: ApiHarness;
  let database: { url: string; drop(): Promise<void> };
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];
  const topic = `crm-e2e-${randomUUID().slice(0, 8)}`;
  const history = publishedHistory(1_000, 10, 77);
  const customerIds = new Set(history.map((e) => e.customerId));

  const startWorker = (name: string) => {
    const worker = new WorkerProcess(name, workerEnv, join(api.config.dataDir, `${name}.log`));
    workers.push(worker);
    worker.start();
    return worker;
  };
  const logsOnFailure = () =>
    workers.map((w) => `--- ${w.name}\n${tail(join(api.config.dataDir, `${w.name}.log`))}`).join('\n');
  const caughtUp = async (timeoutMs = 120_000) => {
    try {
      await waitForGroup(brokers!, topic, READ_MODEL_GROUP, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${logsOnFailure()}`);
    }
  };
  const relayCaughtUp = async (timeoutMs = 60_000) => {
    const db = api.app.get<DataSource>(READ_MODEL_DATA_SOURCE);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await readRelayLease(db, 'relay'))?.position === (await api.store.headPosition())) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`relay did not catch up\n${logsOnFailure()}`);
  };

  beforeAll(async () => {
    WorkerProcess.assertBuilt();
    database = await createTestDatabase(serverUrl!);
    api = await startApi({ DATABASE_URL: database.url });
    workerEnv = {
      DATA_DIR: api.config.dataDir,
      DATABASE_URL: database.url,
      KAFKA_BROKERS: brokers!.join(','),
      KAFKA_TOPIC: topic,
      KAFKA_PARTITIONS: '6',
      RELAY_LEASE_TTL_MS: '3000',
      RELAY_HEARTBEAT_MS: '300',
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await api?.close();
    await database?.drop();
  }, 60_000);

  it('converges to the fold of the store after a worker SIGKILL and a broker restart mid-stream', async () => {
    let worker = startWorker('w1');
    let killed = false;
    let restarted = false;
    await publishInBatches(api.http, history, 250, async (sent) => {
      if (!killed && sent >= 3_000) {
        killed = true;
        await worker.kill('SIGKILL');
        worker = startWorker('w1-after-kill');
        // The broker restart below must meet a running worker, not one still booting (publishing is fast).
        await worker.ready();
      }
      if (!restarted && sent >= 6_000) {
        restarted = true;
        execFileSync('bash', [KAFKA_SCRIPT, 'restart'], { stdio: 'ignore', timeout: 120_000 });
      }
    });
    expect(killed && restarted).toBe(true);
    await relayCaughtUp(120_000);
    await caughtUp();
    expect(await expectReadModelEqualsFold(api.store, api.app.get(CustomerQueries), customerIds)).toBe(1_000);
  }, 300_000);

  it('changes nothing when every record is redelivered to the projector', async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await resetGroupToEarliest(brokers!, topic, READ_MODEL_GROUP);
    startWorker('w-redeliver');
    await caughtUp();
    expect(await expectReadModelEqualsFold(api.store, api.app.get(CustomerQueries), customerIds)).toBe(1_000);
  }, 300_000);

  it('lets one of two relays publish; when it is killed the other takes over with nothing lost', async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    const a = startWorker('relay-a');
    const b = startWorker('relay-b');
    const second = publishedHistory(200, 10, 78);
    const before = await api.store.headPosition();
    await publishInBatches(api.http, second, 250);
    await relayCaughtUp();
    await caughtUp();
    const midway = await api.store.headPosition();
    const db = api.app.get<DataSource>(READ_MODEL_DATA_SOURCE);
    const leader = (await readRelayLease(db, 'relay'))?.owner;
    expect([a.name, b.name]).toContain(leader);
    const [dead, survivor] = leader === a.name ? [a, b] : [b, a];

    await dead.kill('SIGKILL');
    const third = publishedHistory(200, 10, 79);
    await publishInBatches(api.http, third, 250);
    await relayCaughtUp();
    await caughtUp();
    expect((await readRelayLease(db, 'relay'))?.owner).toBe(survivor.name);

    const records = await readRelayHeaders(brokers!, topic);
    const publishersOf = (from: bigint, to: bigint) =>
      new Set(records.filter((r) => r.globalPosition > from && r.globalPosition <= to).map((r) => r.relayId));
    expect(publishersOf(before, midway)).toEqual(new Set([dead.name]));
    expect(publishersOf(midway, await api.store.headPosition())).toEqual(new Set([survivor.name]));

    const all = new Set([
      ...customerIds,
      ...second.map((e) => e.customerId),
      ...third.map((e) => e.customerId),
    ]);
    expect(await expectReadModelEqualsFold(api.store, api.app.get(CustomerQueries), all)).toBe(1_400);
  }, 300_000);
});

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}
