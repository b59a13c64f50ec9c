import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { CustomerReadModelProjector } from './customer-read-model.projector';
import { CustomerQueries } from './customer.queries';
import { CustomerViewReader } from './customer-view.reader';
import { createReadModelDataSource } from './data-source.factory';
import { runExclusive } from './exclusive-access';
import { stream } from './testing/read-model.harness';

/** The SQLite read on prepared statements (the read model contract covers the answer's shape on both engines). */
describe('CustomerViewReader on SQLite', () => {
  let dataDir: string;
  let ds: DataSource;
  let queries: CustomerQueries;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-view-reader-'));
    ds = createReadModelDataSource({ dataDir, migrationsRun: true });
    await ds.initialize();
    queries = new CustomerQueries(ds);
    await new CustomerReadModelProjector(ds).apply(
      stream('c-1')
        .add('CustomerAcquired', { channel: 'organic', profile: { name: 'Ada' } })
        .add('CustomerPurchased', {
          orderId: 'o-1',
          amount: { minor: 1200, currency: 'EUR' },
          channel: 'online',
          items: [],
        }).events,
    );
  });

  afterEach(async () => {
    await ds.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers exactly what the TypeORM path answers, at once when the connection is free', async () => {
    const reader = new CustomerViewReader(ds);
    const direct = reader.readNow('c-1');
    const viaTypeOrm = await ds.transaction((manager) => reader.read(manager, 'c-1'));
    expect(direct).toEqual(viaTypeOrm);
    expect(direct).toMatchObject({ customerId: 'c-1', stage: 'active', purchasesCount: 1 });
    expect(reader.readNow('nobody')).toBeNull();
  });

  it('never reads inside another open transaction: it queues and answers the committed state', async () => {
    const order: string[] = [];
    let read: Promise<unknown> | undefined;
    await runExclusive(ds, () =>
      ds.transaction(async (manager) => {
        await manager.query(`UPDATE "customers" SET "purchases_count" = 7 WHERE "customer_id" = 'c-1'`);
        expect(new CustomerViewReader(ds).readNow('c-1')).toBeUndefined();
        read = queries.getCustomer('c-1').then((view) => {
          order.push('read answered');
          return view;
        });
        await new Promise((resolve) => setImmediate(resolve));
        order.push('transaction ends');
      }),
    );
    expect(await read).toMatchObject({ purchasesCount: 7 });
    expect(order).toEqual(['transaction ends', 'read answered']);
  });

  it('rejects (does not throw) when the statement cannot run', async () => {
    await ds.query('DROP TABLE "customer_spend"');
    // Matched on the message, not with toThrow: better-sqlite3 is a native module, loaded once per process,
    // so after another suite in the same Jest process its SqliteError belongs to that suite's realm, which
    // toThrow does not count as an Error.
    await expect(queries.getCustomer('c-1')).rejects.toMatchObject({
      message: expect.stringMatching(/customer_spend/),
    });
  });
});
