import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createReadModelDataSource } from '../data-source.factory';
import { describeRebuildContract } from './testing/rebuild.contract';

const dirs = new WeakMap<DataSource, string>();

describeRebuildContract({
  name: 'SQLite',
  async create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-rebuild-live-'));
    const dataSource = createReadModelDataSource({ dataDir });
    dirs.set(dataSource, dataDir);
    return dataSource;
  },
  async dispose(dataSource) {
    if (dataSource.isInitialized) await dataSource.destroy();
    const dir = dirs.get(dataSource);
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
});
