import type { RecordedEvent } from '@crm/event-store';
import { encodeCustomerEvent, InProcessBus } from '@crm/messaging';
import {
  createReadModelDataSource,
  CUSTOMER_READ_MODEL_PROJECTION,
  CustomerReadModelProjector,
} from '@crm/read-model';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ReadModelConsumer } from './read-model.consumer';

let position = 0n;
const contacted = (customer: string, revision: number): RecordedEvent => ({
  eventId: `${customer}-${revision}`,
  type: 'CustomerContacted',
  streamId: `customer-${customer}`,
  streamRevision: revision,
  globalPosition: ++position,
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:00.000Z',
  data: { channel: 'email', direction: 'outbound', purpose: 'marketing' },
  metadata: { schemaVersion: 1 },
});

describe('ReadModelConsumer on the in-process bus and SQLite', () => {
  let dir: string;
  let db: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'read-model-consumer-'));
    db = createReadModelDataSource({ dataDir: dir });
    await db.initialize();
    await db.runMigrations();
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes several partitions in one transaction; a malformed event dead-letters alone', async () => {
    const bus = new InProcessBus({ partitions: 4 });
    const projector = new CustomerReadModelProjector(db);
    const batches: number[] = [];
    const apply = projector.apply.bind(projector);
    projector.apply = (events, checkpoint) => {
      batches.push(checkpoint?.offsets?.length ?? 0);
      return apply(events, checkpoint);
    };
    const consumer = new ReadModelConsumer(bus, projector);
    await consumer.onModuleInit();
    const customers = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const events = customers.flatMap((c) => [contacted(c, 0), contacted(c, 1)]);
    const bad: RecordedEvent = {
      ...contacted('bad', 0),
      type: 'CustomerPurchased',
      data: { amount: { currency: 'EUR' } },
    };
    await bus.publish([...events, bad].map((e) => encodeCustomerEvent(e)));

    // The first write held the deliveries of several partitions together.
    expect(Math.max(...batches)).toBeGreaterThan(1);
    const rows = (await db.query('SELECT "customer_id", "contacts_count" FROM "customers"')) as {
      customer_id: string;
      contacts_count: number;
    }[];
    expect(Object.fromEntries(rows.map((r) => [r.customer_id, Number(r.contacts_count)]))).toEqual(
      Object.fromEntries(customers.map((c) => [c, 2])),
    );
    expect(bus.deadLetters.map((d) => d.message.headers['x-event-id'])).toEqual(['bad-0']);
    // Each partition's offset is stored with the rows: the end of what it delivered, except that the
    // dead-lettered record (the last of its partition) was never applied.
    const stored = await projector.getOffsets(CUSTOMER_READ_MODEL_PROJECTION, bus.topic);
    const lag = (await consumer.lag()) ?? [];
    const badPartition = bus.deadLetters[0].message.partition;
    expect(stored.map((o) => o.partition)).toEqual(lag.map((p) => p.partition)); // 13 keys cover all 4
    for (const offset of stored) {
      const end = BigInt(lag[offset.partition].end);
      expect(BigInt(offset.offset)).toBe(offset.partition === badPartition ? end - 1n : end);
    }
    await consumer.onApplicationShutdown();
    await bus.close();
  });
});
