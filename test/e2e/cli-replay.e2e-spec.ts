import { createEventStore } from '@crm/event-store';
import type { EventStore } from '@crm/event-store';
import { createReadModelDataSource, CustomerQueries } from '@crm/read-model';
import Database from 'better-sqlite3';
import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectReadModelEqualsFold } from '../support/pipeline-checks';
import { createTestDatabase } from '../support/postgres-database';
import { CRM_BIN, requireBuiltCli, runCrm, type CliRun } from '../support/crm-cli';

const CUSTOMERS = 3_000;

/** The child's environment: embedded adapters under `dataDir` unless the test sets a URL itself. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const {
    EVENTSTORE_URL: _e,
    DATABASE_URL: _d,
    KAFKA_BROKERS: _k,
    CLICKHOUSE_URL: _c,
    ...inherited
  } = process.env;
  return { ...inherited, ...env };
}

/** `crm ...` as a user runs it: the built binary in its own process. */
function crm(args: string[], env: Record<string, string>): Promise<CliRun> {
  return runCrm(args, childEnv(env));
}

/** A `crm replay` left running, to be killed or interrupted midway. */
function startReplay(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [CRM_BIN, 'replay', ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CliRun>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? -1 : null), stdout, stderr })),
  );
  return { child, exited, stderr: () => stderr };
}

interface LeaseRow {
  owner: string | null;
  status: string;
  position: string | null;
  lease_expires_at: number;
}

/** The rebuild's lease row, read the way an operator would (a read-only connection to the file). */
function leaseRow(dataDir: string): LeaseRow | undefined {
  const file = join(dataDir, 'read-model.sqlite');
  if (!existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT * FROM projection_rebuilds WHERE projection = 'customer-read-model'`).get() as
      LeaseRow | undefined;
  } catch {
    return undefined; // migrations not run yet
  } finally {
    db.close();
  }
}

/**
 * Lets the lease of a killed rebuild lapse now instead of waiting out its TTL: what the clock would do, done
 * without depending on how fast a busy machine boots the next process.
 */
function expireLease(dataDir: string): void {
  const db = new Database(join(dataDir, 'read-model.sqlite'), { fileMustExist: true });
  try {
    db.prepare(
      `UPDATE projection_rebuilds SET lease_expires_at = ? WHERE projection = 'customer-read-model'`,
    ).run(Date.now() - 1);
  } finally {
    db.close();
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The read model in `dataDir` (or at `databaseUrl`) equals the fold of every customer's stream. */
async function expectProjectionEqualsFold(dataDir: string, databaseUrl?: string): Promise<number> {
  const store: EventStore = createEventStore({ dataDir });
  const readModel = createReadModelDataSource({ dataDir, databaseUrl });
  await readModel.initialize();
  try {
    const acquired = (await store.readAll({ maxCount: 1_000_000, streamPrefix: 'customer-' })).filter(
      (e) => e.streamRevision === 0,
    );
    const ids = acquired.map((e) => e.streamId.slice('customer-'.length));
    return await expectReadModelEqualsFold(store, new CustomerQueries(readModel), ids);
  } finally {
    await readModel.destroy();
    await store.close();
  }
}

jest.setTimeout(120_000);

describe('crm replay (the built binary)', () => {
  let root: string;
  let template: string;
  let head: number;
  /** The customer streams' events (what the read model projects; campaign streams hold marketing spend). */
  let customerPositions: bigint[];
  let customerHead: string;
  /** Customer events after `position`: what a rebuild resumed there applies. */
  const customerEventsAfter = (position: string) =>
    customerPositions.filter((p) => p > BigInt(position)).length;
  let dataDir: string;

  beforeAll(async () => {
    requireBuiltCli();
    root = mkdtempSync(join(tmpdir(), 'crm-cli-replay-'));
    template = join(root, 'template');
    const generated = await crm(['generate', '-n', String(CUSTOMERS), '--append', '--quiet', '--json'], {
      DATA_DIR: template,
    });
    expect(generated.code).toBe(0);
    head = (JSON.parse(generated.stdout) as { appended: number }).appended;
    expect(head).toBeGreaterThan(CUSTOMERS * 8);
    const store = createEventStore({ dataDir: template });
    try {
      const customerEvents = await store.readAll({ maxCount: 1_000_000, streamPrefix: 'customer-' });
      customerPositions = customerEvents.map((e) => e.globalPosition);
      customerHead = String(customerPositions[customerPositions.length - 1]);
      // The generator's marketing spend (campaign streams) is in the store too, after the customers'.
      expect(customerPositions.length).toBeLessThan(head);
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Each test gets its own copy of the generated store and no read model yet. */
  beforeEach(() => {
    dataDir = mkdtempSync(join(root, 'data-'));
    cpSync(join(template, 'events.sqlite'), join(dataDir, 'events.sqlite'));
  });

  it('explains itself and refuses bad command lines with exit code 2', async () => {
    const help = await crm(['replay', '--help'], { DATA_DIR: dataDir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: crm replay <projection | all> [--from-scratch] [--batch N]');
    const top = await crm(['--help'], { DATA_DIR: dataDir });
    expect(top.stdout).toMatch(/replay\s+Rebuild a projection/);

    for (const args of [
      ['replay'],
      ['replay', 'nope'],
      ['replay', 'read-model', '--batch', '0'],
      ['replay', 'a', 'b'],
    ]) {
      const run = await crm(args, { DATA_DIR: dataDir });
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain('Usage: crm replay');
    }
    expect((await crm(['replay', 'nope'], { DATA_DIR: dataDir })).stderr).toContain(
      'Unknown projection "nope"; known: customer-read-model, analytics',
    );
  });

  it('rebuilds the read model from the store, with a progress bar on stderr', async () => {
    const run = await crm(['replay', 'read-model', '--batch', '2000', '--json'], { DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      projection: 'customer-read-model',
      startPosition: '0',
      position: customerHead,
      eventsApplied: customerPositions.length,
      resumed: false,
      phase: 'done',
    });
    expect(run.stderr).toMatch(
      /customer-read-model {2}\[#+\] +100% {2}position \d+\/\d+ {2}[\d,]+ ev\/s {2}done in \d+s/,
    );
    expect(await expectProjectionEqualsFold(dataDir)).toBe(CUSTOMERS);

    // `all` runs every projection; the human summary goes to stdout.
    const all = await crm(['replay', 'all', '--from-scratch'], { DATA_DIR: dataDir });
    expect(all).toMatchObject({ code: 0, stderr: expect.not.stringContaining('failed') });
    expect(all.stdout).toContain(
      `customer-read-model: rebuilt, ${customerPositions.length} events applied up to position ${customerHead}`,
    );
    expect(all.stdout).toContain(`analytics: rebuilt, ${head} events applied up to position ${head}`);
  });

  it('refuses to replay analytics beside a process holding the embedded engine (exit 3), naming the way', async () => {
    // A stand-in for `crm serve`: a process that opened the embedded analytics engine of this DATA_DIR.
    const analyticsLib = join(__dirname, '../../dist/libs/analytics/src/index.js');
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const a = require(${JSON.stringify(analyticsLib)});
         const ch = a.createAnalyticsClient({ dataDir: ${JSON.stringify(dataDir)} });
         a.selectRows(ch.client, 'SELECT 1').then(() => { console.log('holding'); setInterval(() => {}, 1000); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
      const busy = await crm(['replay', 'analytics'], { DATA_DIR: dataDir });
      expect(busy.code).toBe(3);
      expect(busy.stderr).toContain(`in use by process ${holder.pid}`);
      expect(busy.stderr).toContain('POST /v1/admin/projections/analytics/rebuild');
      // The read model's replay does not need the engine: it runs beside the holder.
      expect((await crm(['replay', 'read-model'], { DATA_DIR: dataDir })).code).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('killed with SIGKILL halfway, it refuses to run twice, then resumes without starting over', async () => {
    // A lease far longer than any boot of the second process, so that its refusal never depends on load.
    const env = { DATA_DIR: dataDir, REBUILD_LEASE_TTL_MS: '600000' };
    const killed = startReplay(['read-model', '--batch', '100'], { ...env, WORKER_ID: 'replay-killed' });
    const reached = await waitFor(`a quarter of the store in the shadow (${killed.stderr()})`, () => {
      const row = leaseRow(dataDir);
      return row?.position && Number(row.position) >= head / 4 ? Number(row.position) : undefined;
    });
    killed.child.kill('SIGKILL');
    expect((await killed.exited).code).toBe(-1);
    expect(reached).toBeLessThan(head);
    expect(leaseRow(dataDir)).toMatchObject({ status: 'running', owner: 'replay-killed' });

    // The dead process still holds the lease until it expires: a second replay is refused, exit 3.
    const refused = await crm(['replay', 'read-model'], { ...env, WORKER_ID: 'replay-second' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      'A rebuild of customer-read-model is already running (owner replay-killed',
    );

    expireLease(dataDir);
    const resumed = await crm(['replay', 'read-model', '--json'], { ...env, WORKER_ID: 'replay-resumed' });
    expect(resumed.code).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result.resumed).toBe(true);
    expect(Number(result.startPosition)).toBeGreaterThanOrEqual(reached);
    expect(result.eventsApplied).toBe(customerEventsAfter(result.startPosition)); // nothing applied twice
    expect(result.position).toBe(customerHead);
    expect(await expectProjectionEqualsFold(dataDir)).toBe(CUSTOMERS);
  });

  it('stops on SIGINT after the batch in hand (exit 130), and the next run resumes at once', async () => {
    const interrupted = startReplay(['read-model', '--batch', '100'], { DATA_DIR: dataDir });
    await waitFor('progress', () => {
      const row = leaseRow(dataDir);
      return row?.position && Number(row.position) > 0 ? true : undefined;
    });
    interrupted.child.kill('SIGINT');
    const run = await interrupted.exited;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted at position \d+; run it again to resume/);
    const row = leaseRow(dataDir) as LeaseRow;
    expect(row).toMatchObject({ status: 'interrupted', lease_expires_at: 0 });

    const resumed = await crm(['replay', 'read-model', '--json'], { DATA_DIR: dataDir });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true, startPosition: row.position });
    expect(await expectProjectionEqualsFold(dataDir)).toBe(CUSTOMERS);
  });

  const pg = process.env.DATABASE_URL;
  (pg ? it : it.skip)('rebuilds a PostgreSQL read model (DATABASE_URL)', async () => {
    const database = await createTestDatabase(pg as string);
    try {
      const run = await crm(['replay', 'read-model', '--json'], {
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
      });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        position: customerHead,
        eventsApplied: customerPositions.length,
      });
      expect(await expectProjectionEqualsFold(dataDir, database.url)).toBe(CUSTOMERS);
    } finally {
      await database.drop();
    }
  });
});
