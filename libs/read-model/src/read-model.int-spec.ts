import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { CustomerReadModelProjector } from './customer-read-model.projector';
import { createReadModelDataSource } from './data-source.factory';
import { CUSTOMER_READ_MODEL_PROJECTION } from './read-model.constants';
import { generateCustomerHistory } from './testing/customer-history.generator';
import { describeReadModelContract } from './testing/read-model.contract';
import { applyInBatches, foldAll, readModelSummaries } from './testing/read-model.harness';

const databaseUrl = process.env.DATABASE_URL;

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const newSchema = async (): Promise<string> => {
  const schema = `read_model_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE SCHEMA "${schema}"`);
  return schema;
};

if (!databaseUrl) {
  console.log('Read-model PostgreSQL suite skipped: DATABASE_URL is not set');
  describe.skip('read model on PostgreSQL', () => {
    it('needs DATABASE_URL', () => undefined);
  });
} else {
  // One fresh schema per test database: tests never see each other's rows, and nothing is truncated by hand.
  const schemas = new WeakMap<DataSource, string>();
  describeReadModelContract({
    name: 'PostgreSQL',
    async create(options) {
      const schema = await newSchema();
      const dataSource = createReadModelDataSource({
        databaseUrl,
        dataDir: '',
        schema,
        logger: options?.logger,
      });
      schemas.set(dataSource, schema);
      return dataSource;
    },
    async dispose(dataSource) {
      if (dataSource.isInitialized) await dataSource.destroy();
      const schema = schemas.get(dataSource);
      if (schema) await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  });

  // Only PostgreSQL has several connections writing at once (SQLite is one connection per process).
  describe('read model on PostgreSQL with concurrent writers', () => {
    let schema: string;
    let sources: DataSource[];
    beforeEach(async () => {
      schema = await newSchema();
      sources = [0, 1].map(() => createReadModelDataSource({ databaseUrl, dataDir: '', schema }));
      for (const s of sources) await s.initialize();
      await sources[0].runMigrations();
    });
    afterEach(async () => {
      for (const s of sources) await s.destroy();
      await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    });

    it('two projectors racing over the same history (a rebuild beside a live consumer) end exact', async () => {
      const { events, streams } = generateCustomerHistory({ customers: 50, seed: 21 });
      const [a, b] = sources.map((s) => new CustomerReadModelProjector(s));
      await Promise.all([applyInBatches(a, events, 25), applyInBatches(b, events, 40)]);
      expect(await readModelSummaries(sources[0])).toEqual(foldAll(streams));
      expect((await a.getCheckpoint(CUSTOMER_READ_MODEL_PROJECTION))?.position).toBe(
        events[events.length - 1].globalPosition,
      );
    });
  });
}
