import {
  ClickHouseMigrationsRunner,
  createAnalyticsClient,
  embeddedConnection,
  isAnalyticsUnreachable,
  runStatement,
  selectRows,
  type AnalyticsClient,
} from '@crm/analytics';
import { openTestAnalytics, testEngineDir, type TestAnalytics } from '@crm/analytics/testing';
import { ClickHouseError } from '@clickhouse/client';
import { join } from 'node:path';
import { EngineStatementServer } from './engine-statement.server';
import {
  forwardedAnalyticsEngine,
  fromForwardedError,
  WorkerPartUnavailableError,
  type EngineRequester,
} from './forwarded-engine.connection';

/**
 * The API side of `crm serve` reaches the embedded engine of its worker process through forwardedAnalyticsEngine;
 * the worker side runs the requests with EngineStatementServer. Here both ends run on the real engine, and each
 * message goes through structuredClone, the algorithm of the IPC channel's V8 serialization.
 */
describe('the analytics engine forwarded to crm serve’s worker process', () => {
  let owner: TestAnalytics;
  let server: EngineStatementServer;
  let forwarded: AnalyticsClient;

  beforeAll(async () => {
    owner = await openTestAnalytics('forwarded', { migrate: false });
    server = new EngineStatementServer(
      embeddedConnection(join(testEngineDir(), 'clickhouse')),
      owner.ch.openSqlSession,
    );
    const request: EngineRequester = async (message) => {
      const reply = structuredClone(await server.handle(structuredClone(message)));
      if (reply.error) throw fromForwardedError(reply.error);
      return reply.ok;
    };
    forwarded = createAnalyticsClient({
      dataDir: '/nonexistent',
      database: owner.database,
      forwardedEngine: forwardedAnalyticsEngine(request),
    });
  }, 60_000);

  afterAll(async () => {
    await forwarded?.close();
    await server?.close();
    await owner?.drop();
  });

  it('applies the migrations and reads what the owner sees', async () => {
    const { applied } = await new ClickHouseMigrationsRunner(forwarded).run();
    expect(applied.length).toBeGreaterThan(0);
    const tables = (client: AnalyticsClient) =>
      selectRows<{ name: string }>(
        client.client,
        'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
        { db: owner.database },
      );
    const seen = await tables(forwarded);
    expect(seen.map((t) => t.name)).toContain('events');
    expect(seen).toEqual(await tables(owner.ch));
  });

  it('inserts and selects rows, with parameters', async () => {
    const table = `${owner.database}.forwarded_rows`;
    await runStatement(
      forwarded.client,
      `CREATE TABLE ${table} (id UInt32, name String) ENGINE = MergeTree ORDER BY id`,
    );
    await forwarded.client.insert({
      table,
      values: [
        { id: 1, name: 'ada' },
        { id: 2, name: 'ben' },
      ],
      format: 'JSONEachRow',
    });
    const rows = await selectRows<{ id: number; name: string }>(
      forwarded.client,
      `SELECT id, name FROM ${table} WHERE id >= {from:UInt32} ORDER BY id`,
      { from: 1 },
    );
    expect(rows).toEqual([
      { id: 1, name: 'ada' },
      { id: 2, name: 'ben' },
    ]);
    expect(await selectRows(owner.ch.client, `SELECT id, name FROM ${table} ORDER BY id`)).toEqual(rows);
  });

  it("keeps the engine's error codes", async () => {
    const failure = await selectRows(forwarded.client, `SELECT 1 FROM ${owner.database}.no_such_table`).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ClickHouseError);
    expect((failure as ClickHouseError).code).toBe('60'); // UNKNOWN_TABLE, as the engine says it
  });

  it('runs SQL entrance sessions there, their settings kept in the session', async () => {
    const session = await forwarded.openSqlSession!();
    try {
      await session.run('SET readonly = 1');
      const answer = await session.run('SELECT 40 + 2', { format: 'TSVRaw' });
      expect(Buffer.from(answer.bytes).toString('utf8').trim()).toBe('42');
      const write = await session
        .run(`CREATE TABLE ${owner.database}.refused (x UInt8) ENGINE = Memory`)
        .catch((error: unknown) => error);
      expect(write).toBeInstanceOf(ClickHouseError);
    } finally {
      await session.close();
    }
  });

  it('is an unreachable store while the worker process is not running', async () => {
    const down = createAnalyticsClient({
      dataDir: '/nonexistent',
      database: owner.database,
      forwardedEngine: forwardedAnalyticsEngine(() =>
        Promise.reject(new WorkerPartUnavailableError('restarting')),
      ),
    });
    const failure = await selectRows(down.client, 'SELECT 1').catch((error: unknown) => error);
    expect(isAnalyticsUnreachable(failure)).toBe(true);
    expect((await down.client.ping()).success).toBe(false);
  });
});
