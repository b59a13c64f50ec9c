import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createReadModelDataSource } from '../data-source.factory';
import { describeRebuildContract } from './testing/rebuild.contract';

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

if (!databaseUrl) {
  console.log('Projection rebuild PostgreSQL suite skipped: DATABASE_URL is not set');
  describe.skip('projection rebuild on PostgreSQL', () => {
    it('needs DATABASE_URL', () => undefined);
  });
} else {
  // One schema per test; the rebuild adds `<schema>__rebuild` and `<schema>__retired` beside it.
  const schemas = new WeakMap<DataSource, string>();
  describeRebuildContract({
    name: 'PostgreSQL',
    async create() {
      const schema = `rebuild_test_${randomBytes(6).toString('hex')}`;
      await admin(`CREATE SCHEMA "${schema}"`);
      const dataSource = createReadModelDataSource({ databaseUrl, dataDir: '', schema });
      schemas.set(dataSource, schema);
      return dataSource;
    },
    async dispose(dataSource) {
      if (dataSource.isInitialized) await dataSource.destroy();
      const schema = schemas.get(dataSource);
      for (const suffix of ['', '__rebuild', '__retired']) {
        if (schema) await admin(`DROP SCHEMA IF EXISTS "${schema}${suffix}" CASCADE`);
      }
    },
  });
}
