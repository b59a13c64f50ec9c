import { loadConfig } from '@crm/config';
import { SqliteEventStore } from '@crm/event-store';
import type { INestApplication } from '@nestjs/common';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintApiKey } from '@crm/http-api';
import { createApiApp } from '@crm/http-api';
import { requireBuiltCli, runCrm, type CliRun } from '../support/crm-cli';

/** `crm generate ...` as a user runs it: the built binary in its own process, with an embedded DATA_DIR. */
function crm(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const { EVENTSTORE_URL: _esdb, ...inherited } = process.env; // --append must go to the embedded store
  return runCrm(args, { ...inherited, ...env });
}

jest.setTimeout(60_000);

describe('crm generate (the built binary)', () => {
  let dir: string;

  beforeAll(() => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-cli-generate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes NDJSON that is the same for the same seed and differs for another', async () => {
    const runs = await Promise.all(
      [
        ['a.ndjson', '11'],
        ['b.ndjson', '11'],
        ['c.ndjson', '12'],
      ].map(([file, seed]) =>
        crm(['generate', '-n', '300', '--seed', seed, '--out', join(dir, file), '--json', '--quiet']),
      ),
    );
    for (const run of runs) expect(run).toMatchObject({ code: 0 });
    const [a, b, c] = ['a', 'b', 'c'].map((f) => readFileSync(join(dir, `${f}.ndjson`), 'utf8'));
    expect(a).toBe(b);
    expect(c).not.toBe(a);

    const lines = a.trimEnd().split('\n');
    const summary = JSON.parse(runs[0].stdout) as { events: number; customers: number; seed: number };
    expect(summary).toMatchObject({ events: lines.length, customers: 300, seed: 11 });
    expect(lines.length).toBeGreaterThan(300 * 4);
    const records = lines.map(
      (line) => JSON.parse(line) as { type: string; customerId?: string; occurredAt: string },
    );
    // Campaign spend lines have no customer; every other line is a customer's event.
    const events = records.filter((e) => e.type !== 'MarketingSpendRecorded');
    expect(records.length - events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.customerId)).size).toBe(300);
    expect(events.filter((e) => e.type === 'CustomerAcquired')).toHaveLength(300);
    const times = records.map((e) => e.occurredAt);
    expect([...times].sort()).toEqual(times);
  });

  it('honours --from/--to and --id-prefix, and writes to stdout with --out -', async () => {
    const args = ['generate', '-n', '50', '--from', '2025-01-01', '--to', '2025-07-01', '--id-prefix', 'x-'];
    const [toStdout, toFile] = await Promise.all([
      crm([...args, '--out', '-']),
      crm([...args, '--out', join(dir, 'window.ndjson'), '--quiet']),
    ]);
    expect(toStdout.code).toBe(0);
    expect(toFile.code).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(join(dir, 'window.ndjson'), 'utf8'));
    expect(toStdout.stderr).toMatch(/100%.*done in/); // the final progress line
    const events = toStdout.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; customerId?: string; occurredAt: string });
    const customers = events.filter((e) => e.type !== 'MarketingSpendRecorded');
    expect(customers.every((e) => e.customerId?.startsWith('x-'))).toBe(true);
    expect(events.every((e) => e.occurredAt >= '2025-01-01' && e.occurredAt < '2025-07-01')).toBe(true);
  });

  it('appends into the embedded store, replays a rerun and refuses to overwrite customers', async () => {
    const env = { DATA_DIR: join(dir, 'append-data') };
    const first = await crm(['generate', '-n', '200', '--seed', '5', '--append', '--json', '--quiet'], env);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as { events: number; reactivations: number; appended: number };
    expect(summary.appended).toBe(summary.events + summary.reactivations);

    const countEvents = async () => {
      const store = new SqliteEventStore(join(env.DATA_DIR, 'events.sqlite'));
      try {
        return (await store.readAll({ maxCount: 1_000_000 })).length;
      } finally {
        await store.close();
      }
    };
    expect(await countEvents()).toBe(summary.appended);

    const rerun = await crm(['generate', '-n', '200', '--seed', '5', '--append', '--quiet'], env);
    expect(rerun.code).toBe(0);
    const other = await crm(['generate', '-n', '200', '--seed', '6', '--append', '--quiet'], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/customer-c-1 already exists/);
    expect(await countEvents()).toBe(summary.appended);
  });

  describe('--publish', () => {
    let app: INestApplication;
    let url: string;
    let apiDir: string;
    const key = mintApiKey('cli-generate', ['events:write', 'customers:read'], {
      perSecond: 10_000,
      burst: 10_000,
    });

    beforeAll(async () => {
      apiDir = mkdtempSync(join(tmpdir(), 'crm-cli-generate-api-'));
      const config = loadConfig({ DATA_DIR: apiDir, API_KEYS: JSON.stringify([key.entry]) });
      app = await createApiApp(config, { logger: false });
      await app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await app.close();
      rmSync(apiDir, { recursive: true, force: true });
    });

    it('publishes through the API, in batches on parallel lanes, every event accepted', async () => {
      const run = await crm([
        'generate',
        '-n',
        '150',
        '--seed',
        '3',
        '--publish',
        url,
        '--api-key',
        key.token,
        '--batch-size',
        '100',
        '--concurrency',
        '3',
        '--json',
        '--quiet',
      ]);
      expect(run.stderr).not.toMatch(/failed/);
      expect(run.code).toBe(0);
      const summary = JSON.parse(run.stdout) as { events: number; reactivations: number; requests: number };
      expect(summary.requests).toBeGreaterThanOrEqual(Math.ceil(summary.events / 100));
      const res = await fetch(`${url}/v1/customers/c-1/events?limit=1000`, {
        headers: { authorization: `Bearer ${key.token}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { events: { type: string }[] };
      expect(body.events[0].type).toBe('CustomerAcquired');
    });

    it('exits 1 with the reason when the API refuses the key or cannot be reached', async () => {
      const [refused, unreachable] = await Promise.all([
        crm(['generate', '-n', '20', '--publish', url, '--api-key', 'not-a-key', '--quiet']),
        crm(['generate', '-n', '20', '--publish', 'http://127.0.0.1:9', '--quiet']),
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/failed: POST .* HTTP 401: .*UNAUTHENTICATED/);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/failed: POST http:\/\/127\.0\.0\.1:9\/v1\/events/);
    });
  });

  it('answers --help with 0 and a wrong command line with 2', async () => {
    const [help, none, two, bad, date, factor] = await Promise.all([
      crm(['generate', '--help']),
      crm(['generate', '-n', '10']),
      crm(['generate', '-n', '10', '--out', join(dir, 'x.ndjson'), '--append']),
      crm(['generate', '-n', 'ten', '--append']),
      crm(['generate', '-n', '10', '--from', '2025-02-30x', '--append']),
      crm(['generate', '-n', '10', '--feedback', 'lots', '--append']),
    ]);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toMatch(/--customers <n>/);
    expect(help.stdout).toMatch(/--no-marketing-spend/);
    expect(none).toMatchObject({ code: 2 });
    expect(none.stderr).toMatch(/--out <file>, --publish <url> or --append/);
    expect(two).toMatchObject({ code: 2 });
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toMatch(/--customers must be a whole number/);
    expect(date).toMatchObject({ code: 2 });
    expect(factor).toMatchObject({ code: 2 });
    expect(factor.stderr).toMatch(/--feedback must be a factor/);
    expect(existsSync(join(dir, 'x.ndjson'))).toBe(false);
  });
});
