import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createReadModelDataSource } from './data-source.factory';
import { describeReadModelContract } from './testing/read-model.contract';

const dirs = new WeakMap<DataSource, string>();

describeReadModelContract({
  name: 'SQLite (better-sqlite3)',
  async create(options) {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-read-model-'));
    const dataSource = createReadModelDataSource({ dataDir, logger: options?.logger });
    dirs.set(dataSource, dataDir);
    return dataSource;
  },
  async dispose(dataSource) {
    if (dataSource.isInitialized) await dataSource.destroy();
    const dir = dirs.get(dataSource);
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});
