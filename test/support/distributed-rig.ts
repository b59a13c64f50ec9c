import {
  CUSTOMER_READ_MODEL_PROJECTION,
  CustomerEntity,
  CustomerQueries,
  CustomerReadModelProjector,
  readRelayLease,
  READ_MODEL_DATA_SOURCE,
  type RelayLeaseState,
} from '@crm/read-model';
import { deadLetterTopic } from '@crm/messaging';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ApiHarness, startApi } from './api-harness';
import { deleteTopics } from './kafka-records';
import { waitForGroup } from './kafka-inspection';
import { expectReadModelEqualsFold } from './pipeline-checks';
import { createTestDatabase } from './postgres-database';
import { WorkerProcess } from './worker-process';

export const READ_MODEL_GROUP = 'crm.read-model';
const RELAY_LEASE = 'relay';

/**
 * The distributed deployment of one test: the API in this process (SQLite store in a fresh data directory,
 * read model in a fresh PostgreSQL database) and workers as OS processes on Kafka (a fresh topic) and that
 * database. Nothing is shared with other tests, so each can break its own servers' view without order
 * dependencies.
 */
export class DistributedRig {
  readonly workers: WorkerProcess[] = [];
  readonly topic = `crm-e2e-${randomUUID().slice(0, 8)}`;
  private readonly workerEnv: Record<string, string>;

  private constructor(
    readonly api: ApiHarness,
    readonly brokers: readonly string[],
    private readonly database: { url: string; drop(): Promise<void> },
  ) {
    this.workerEnv = {
      DATA_DIR: api.config.dataDir,
      DATABASE_URL: database.url,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC: this.topic,
      KAFKA_PARTITIONS: '6',
      RELAY_LEASE_TTL_MS: '3000',
      RELAY_HEARTBEAT_MS: '300',
    };
  }

  static async start(serverUrl: string, brokers: readonly string[]): Promise<DistributedRig> {
    WorkerProcess.assertBuilt();
    const database = await createTestDatabase(serverUrl);
    const api = await startApi({ DATABASE_URL: database.url });
    return new DistributedRig(api, brokers, database);
  }

  get db(): DataSource {
    return this.api.app.get<DataSource>(READ_MODEL_DATA_SOURCE);
  }

  startWorker(name: string, env: Record<string, string> = {}): WorkerProcess {
    const worker = new WorkerProcess(name, { ...this.workerEnv, ...env }, this.logFile(name));
    this.workers.push(worker);
    worker.start();
    return worker;
  }

  logFile(name: string): string {
    return join(this.api.config.dataDir, `${name}.log`);
  }

  /** The last lines of every worker's log, for failure messages. */
  logs(lines = 30): string {
    return this.workers.map((w) => `--- ${w.name}\n${tail(this.logFile(w.name), lines)}`).join('\n');
  }

  relayLease(): Promise<RelayLeaseState | undefined> {
    return readRelayLease(this.db, RELAY_LEASE);
  }

  /** The relay's checkpoint has reached the store's head. */
  async relayCaughtUp(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const head = await this.api.store.headPosition();
      if ((await this.relayLease().catch(() => undefined))?.position === head) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`relay did not catch up in ${timeoutMs} ms\n${this.logs()}`);
  }

  /** The read-model group has committed every record of the topic. */
  async projectorCaughtUp(timeoutMs = 120_000): Promise<void> {
    try {
      await waitForGroup([...this.brokers], this.topic, READ_MODEL_GROUP, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logs()}`);
    }
  }

  async caughtUp(timeoutMs = 120_000): Promise<void> {
    await this.relayCaughtUp(timeoutMs);
    await this.projectorCaughtUp(timeoutMs);
  }

  /** Every given customer's Customer 360 equals the fold of its stream; the count of those checked. */
  expectFold(customerIds: Iterable<string>): Promise<number> {
    return expectReadModelEqualsFold(this.api.store, this.api.app.get(CustomerQueries), customerIds);
  }

  /** Rows in the customers table (a stray or duplicated row would show here). */
  customerRows(): Promise<number> {
    return this.db.getRepository(CustomerEntity).count();
  }

  /** Kafka offsets the projector stored with its data (next offset to read), by partition. */
  async storedOffsets(): Promise<Map<number, string>> {
    const offsets = await this.api.app
      .get(CustomerReadModelProjector)
      .getOffsets(CUSTOMER_READ_MODEL_PROJECTION, this.topic);
    return new Map(offsets.map((o) => [o.partition, o.offset]));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill('SIGKILL')));
    await this.api.close();
    await this.database.drop().catch(() => undefined);
    await deleteTopics(this.brokers, [this.topic, deadLetterTopic(this.topic)]);
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
