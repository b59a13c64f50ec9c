import { createChdbConnection } from 'chdb/connection';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnalyticsClient, pingAnalytics, type AnalyticsClient } from './analytics-client.factory';
import { selectRows } from './clickhouse-statements';
import { EmbeddedEngineBusyError, EmbeddedEnginePathError, embeddedDataPath } from './embedded-connection';

/** A second OS process holding a directory, as a worker beside the API on one DATA_DIR would. */
async function holdInOtherProcess(path: string): Promise<ChildProcess> {
  const script = `
    const { createChdbConnection } = require('chdb/connection');
    const connection = createChdbConnection({ path: ${JSON.stringify(path)} });
    connection.ping({}).then(() => process.stdout.write('ready\\n'));
    process.stdin.on('end', () => connection.close().then(() => process.exit(0)));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: process.cwd(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  return child;
}

const one = async (ch: AnalyticsClient) =>
  (await selectRows<{ n: number }>(ch.client, 'SELECT 1 + 1 AS n'))[0].n;

describe('embedded ClickHouse connection', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-embedded-conn-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('shares one engine per directory; the last close frees the process for another directory', async () => {
    const a = createAnalyticsClient({ dataDir: join(root, 'first') });
    const b = createAnalyticsClient({ dataDir: join(root, 'first') });
    expect(a.engine).toBe('embedded');
    expect([await one(a), await one(b)]).toEqual([2, 2]);
    expect(() => createAnalyticsClient({ dataDir: join(root, 'second') })).toThrow(EmbeddedEnginePathError);

    await a.close();
    expect(await one(b)).toBe(2); // b still holds the engine
    await b.close();
    await expect(one(b)).rejects.toThrow('closed');

    const c = createAnalyticsClient({ dataDir: join(root, 'second') });
    try {
      expect(await one(c)).toBe(2);
      expect(embeddedDataPath()).toBe(join(root, 'second', 'clickhouse'));
    } finally {
      await c.close();
    }
    expect(embeddedDataPath()).toBeUndefined();
  });

  it('waits for an engine of this process that another realm is still closing', async () => {
    // What a previous Jest test file leaves when its app's shutdown outlived its afterAll: the engine still
    // bound to that file's directory, out of this realm's reach.
    const other = createChdbConnection({ path: join(root, 'other-realm') });
    await other.ping({ select: true });
    const ch = createAnalyticsClient({ dataDir: join(root, 'next') });
    try {
      const answer = one(ch);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.close();
      expect(await answer).toBe(2);
    } finally {
      await ch.close();
    }
  });

  it('names the other process holding the directory, and works once it has gone', async () => {
    const dataDir = join(root, 'shared');
    const holder = await holdInOtherProcess(join(dataDir, 'clickhouse'));
    const ch = createAnalyticsClient({ dataDir });
    try {
      const busy = await one(ch).catch((error: unknown) => error);
      expect(busy).toBeInstanceOf(EmbeddedEngineBusyError);
      expect(busy).toMatchObject({ holderPid: holder.pid, code: 'analytics.embedded_engine_busy' });
      await expect(pingAnalytics(ch)).rejects.toBeInstanceOf(EmbeddedEngineBusyError);

      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.stdin!.end();
      await exited;
      expect(await one(ch)).toBe(2); // the same client retries the open
    } finally {
      holder.kill('SIGKILL');
      await ch.close();
    }
  }, 60_000);
});
