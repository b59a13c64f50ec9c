import { customerStreamId } from '@crm/domain';
import { createEventStore } from '@crm/event-store';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/src/cli';

/** `crm import` in-process on a fresh embedded store: what it appends, idempotence, refusals, usage. */
describe('crm import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-import-'));
  const previousDataDir = process.env.DATA_DIR;
  let out: string[];
  let err: string[];

  beforeAll(() => {
    process.env.DATA_DIR = join(dir, 'data');
  });
  afterAll(() => {
    if (previousDataDir === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = previousDataDir;
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
    jest.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
  });
  afterEach(() => jest.restoreAllMocks());

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  async function readStore<T>(read: (store: ReturnType<typeof createEventStore>) => Promise<T>): Promise<T> {
    const store = createEventStore({ dataDir: process.env.DATA_DIR! });
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  }

  it('appends acquisitions and purchases through the publish path, and nothing when run again', async () => {
    const csv = file(
      'orders.csv',
      [
        'customer_id,occurred_at,amount,currency,order_id,acquisition_channel,country',
        'c1,2024-03-01T10:00:00Z,19.99,EUR,o-1,paid_search,DE',
        'c2,2024-03-01,5,EUR,o-2,,',
        'c1,2024-03-05T08:30:00+02:00,0.5,EUR,o-3,,',
      ].join('\n'),
    );
    expect(await runCli(['import', csv, '--quiet', '--json', '--batch', '2'])).toBe(0);
    const summary = JSON.parse(out[0]);
    expect(summary).toMatchObject({ lines: 4, events: 5, appended: 5, alreadyPresent: 0, customers: 2 });
    expect(summary.acquisitions).toBe(2);

    const c1 = await readStore((s) => s.readStream(customerStreamId('c1')));
    expect(c1.map((e) => [e.type, e.occurredAt, e.metadata.source])).toEqual([
      ['CustomerAcquired', '2024-03-01T10:00:00.000Z', 'import'],
      ['CustomerPurchased', '2024-03-01T10:00:00.000Z', 'import'],
      ['CustomerPurchased', '2024-03-05T06:30:00.000Z', 'import'],
    ]);
    expect(c1[0].data).toMatchObject({ channel: 'paid_search', profile: { country: 'DE' } });
    expect(c1[2].data).toMatchObject({ orderId: 'o-3', amount: { minor: 50, currency: 'EUR' } });
    const head = await readStore((s) => s.headPosition());

    // Again: both customers are known, so no acquisitions; the three purchases keep their ids and are replayed.
    out = [];
    expect(await runCli(['import', csv, '--quiet', '--json'])).toBe(0);
    expect(JSON.parse(out[0])).toMatchObject({ events: 3, appended: 0, alreadyPresent: 3, acquisitions: 0 });
    expect(await readStore((s) => s.headPosition())).toBe(head);
  }, 30_000);

  it('reports the line of a batch the lifecycle rules refuse, appends nothing of it, and completes on a rerun', async () => {
    // The same order id twice for one customer: the decider refuses the second.
    const rows = ['customer_id,occurred_at,amount_minor,currency,order_id', 'd1,2024-01-01,100,EUR,x-1'];
    const bad = file('dup.csv', [...rows, 'd1,2024-01-02,200,EUR,x-1'].join('\n'));
    const head = await readStore((s) => s.headPosition());
    expect(await runCli(['import', bad, '--quiet'])).toBe(1);
    expect(err.join('\n')).toMatch(/line 3 \(customer d1\): DUPLICATE_ORDER/);
    expect(await readStore((s) => s.headPosition())).toBe(head);

    const fixed = file('dup.csv', [...rows, 'd1,2024-01-02,200,EUR,x-2'].join('\n'));
    expect(await runCli(['import', fixed, '--quiet'])).toBe(0);
    expect(out[0]).toMatch(
      /^imported .*dup\.csv: 3 lines, 3 events \(3 appended, 0 already in the store\), 1 customers/,
    );
  }, 30_000);

  it('stops at an unreadable line with its number, or skips it with --skip-invalid', async () => {
    const text =
      ' 00001 0001 19970101  1   9.99\n 00001 0001 1997013  1   9.99\n 00001 0001 19970201  1   5.00\n';
    const log = file('cdnow.txt', text);
    expect(await runCli(['import', log, '--quiet', '--customer-prefix', 'k-'])).toBe(1);
    expect(err.join('\n')).toMatch(/line 2: date must be YYYYMMDD/);
    err = [];
    expect(await runCli(['import', log, '--quiet', '--skip-invalid', '--customer-prefix', 'k-'])).toBe(0);
    expect(err.join('\n')).toMatch(/skipped line 2/);
    const stream = await readStore((s) => s.readStream(customerStreamId('k-00001')));
    expect(stream.map((e) => e.type)).toEqual(['CustomerAcquired', 'CustomerPurchased', 'CustomerPurchased']);
  }, 30_000);

  it('refuses a directory with one clear line, not a raw Node error', async () => {
    const folder = mkdtempSync(join(dir, 'a-folder-'));
    expect(await runCli(['import', folder, '--quiet', '--format', 'cdnow'])).toBe(1);
    expect(err).toEqual([
      `crm import: cannot read ${folder}: it is a directory; give a file (or - for stdin)`,
    ]);
  });

  it('answers usage errors with exit code 2 and documents the formats in --help', async () => {
    expect(await runCli(['import'])).toBe(2);
    expect(await runCli(['import', 'x.csv', '--format', 'xml'])).toBe(2);
    expect(await runCli(['import', '-'])).toBe(2);
    expect(err.join('\n')).toMatch(/standard input needs --source-name/);
    expect(await runCli(['import', '--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/csv {5}header row[\s\S]*ndjson {2}one JSON object per line/);
  });
});
