import { ANALYTICS_CLIENT, AnalyticsProjector, type AnalyticsClient } from '@crm/analytics';
import { mintApiKey, SqlEntrance } from '@crm/http-api';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { execFile } from 'node:child_process';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';

/**
 * The SQL entrance (SQL_PORT) on `crm serve`'s embedded engine, driven by ClickHouse's own clients while the
 * pipeline ingests: @clickhouse/client here, Python's clickhouse-connect when infra/local/clickhouse-connect.sh
 * has made it (CLICKHOUSE_CONNECT_PYTHON). Reads work; writes, DDL, other databases, raising a limit and
 * `SETTINGS readonly=0` are refused in ClickHouse's error format.
 */
describe('SQL entrance for analysts (ClickHouse HTTP interface)', () => {
  const analyst = mintApiKey('analyst', ['analytics:sql'], { perSecond: 1_000, burst: 1_000 });
  const reader = mintApiKey('reader', ['analytics:read'], { perSecond: 1_000, burst: 1_000 });
  const writer = mintApiKey('writer', ['events:write'], { perSecond: 1_000, burst: 1_000 });
  let api: ApiHarness;
  let url: string;
  let sql: ClickHouseClient;

  const client = (password: string, extra: Parameters<typeof createClient>[0] = {}) =>
    createClient({ url, username: 'analyst', password, ...extra });

  const caughtUp = async () => {
    const projector = api.app.get(AnalyticsProjector);
    for (const deadline = Date.now() + 60_000; ;) {
      const [head, checkpoint] = await Promise.all([api.store.headPosition(), projector.checkpoint()]);
      if (checkpoint === head) return;
      if (Date.now() > deadline) throw new Error(`analytics at ${checkpoint}, store at ${head}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const publish = (events: unknown[]) =>
    request(api.http)
      .post('/v1/events')
      .set('Authorization', `Bearer ${writer.token}`)
      .send({ events })
      .expect(201);

  beforeAll(async () => {
    api = await startApi(
      {
        SQL_PORT: '0',
        HOST: '127.0.0.1',
        ANALYTICS_LINGER_MS: '20',
        SQL_MAX_RESULT_ROWS: '10000',
        SQL_MAX_EXECUTION_SECONDS: '20',
        API_KEYS: JSON.stringify([analyst.entry, reader.entry, writer.entry]),
      },
      { withWorker: true },
    );
    url = `http://127.0.0.1:${api.app.get(SqlEntrance).port}`;
    sql = client(analyst.token);
    await publish([
      acquiredEvent('sql-ana', { occurredAt: '2026-01-05T09:00:00Z' }),
      purchasedEvent('sql-ana', { occurredAt: '2026-02-01T14:03:00Z' }),
      acquiredEvent('sql-ben', { occurredAt: '2026-01-06T09:00:00Z' }),
    ]);
    await caughtUp();
  }, 90_000);
  afterAll(async () => {
    await sql?.close();
    await api?.close();
  }, 60_000);

  it('answers @clickhouse/client: ping, a view in JSONEachRow, the current database', async () => {
    expect((await sql.ping()).success).toBe(true);
    const rows = await sql
      .query({
        query:
          "SELECT customer_id, purchases FROM lifecycle_customers(start_date = '2026-01-01', " +
          "end_date = '2026-02-28') WHERE customer_id LIKE 'sql-%' AND customer_id NOT LIKE 'sql-live-%' " +
          'ORDER BY customer_id',
        format: 'JSONEachRow',
      })
      .then((r) => r.json<{ customer_id: string; purchases: number }>());
    expect(rows).toEqual([
      { customer_id: 'sql-ana', purchases: 1 },
      { customer_id: 'sql-ben', purchases: 0 },
    ]);
    const db = await sql.query({ query: 'SELECT currentDatabase() AS db', format: 'JSONEachRow' });
    expect(await db.json()).toEqual([{ db: api.app.get<AnalyticsClient>(ANALYTICS_CLIENT).database }]);
  });

  it('speaks the formats clients ask for, with the headers they read', async () => {
    const res = await fetch(`${url}/?default_format=JSONCompact&query_id=q-1`, {
      method: 'POST',
      headers: { 'X-ClickHouse-User': 'analyst', 'X-ClickHouse-Key': analyst.token },
      body: 'SELECT count() AS n FROM customers FINAL',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONCompact');
    expect(res.headers.get('x-clickhouse-query-id')).toBe('q-1');
    expect(JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}')).toHaveProperty('read_rows');
    expect(((await res.json()) as { data: unknown }).data).toEqual([[2]]);

    const csv = await fetch(
      `${url}/?query=${encodeURIComponent("SELECT 1 AS a, 'x' AS b FORMAT CSVWithNames")}`,
      {
        headers: { Authorization: `Basic ${Buffer.from(`analyst:${analyst.token}`).toString('base64')}` },
      },
    );
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await csv.text()).toBe('"a","b"\n1,"x"\n');

    const tsv = await sql.query({
      query: 'SELECT {n:UInt8} + 1 AS v',
      format: 'TabSeparatedWithNames',
      query_params: { n: 41 },
    });
    expect(await tsv.text()).toBe('v\n42\n');
  });

  it('keeps answering while the pipeline ingests', async () => {
    const more = Array.from({ length: 20 }, (_, i) => acquiredEvent(`sql-live-${i}`));
    const publishing = publish(more);
    const counts = await Promise.all(
      Array.from({ length: 5 }, () =>
        sql
          .query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
          .then((r) => r.json<{ n: number }>()),
      ),
    );
    counts.forEach(([row]) => expect(row.n).toBeGreaterThanOrEqual(3));
    await publishing;
    await caughtUp();
    const [after] = await sql
      .query({
        query: "SELECT count() AS n FROM customers FINAL WHERE customer_id LIKE 'sql-live-%'",
        format: 'JSONEachRow',
      })
      .then((r) => r.json<{ n: number }>());
    expect(after.n).toBe(20);
  });

  const refusal = async (query: string, extra: Record<string, string> = {}) => {
    const params = new URLSearchParams({ query, ...extra });
    const res = await fetch(`${url}/?${params}`, {
      method: 'POST',
      headers: { 'X-ClickHouse-Key': analyst.token },
    });
    return {
      status: res.status,
      code: res.headers.get('x-clickhouse-exception-code'),
      text: await res.text(),
    };
  };

  it.each([
    ['an INSERT', 'INSERT INTO events (event_id) VALUES (generateUUIDv4())', '164', /READONLY/],
    ['DDL', 'CREATE TABLE mine (x UInt8) ENGINE = Memory', '164', /READONLY/],
    ['a DROP', 'DROP TABLE events', '164', /READONLY/],
    ['SET readonly = 0', 'SET readonly = 0', '164', /READONLY/],
    [
      'SETTINGS readonly = 0',
      'SELECT 1 SETTINGS readonly = 0',
      '164',
      /Cannot modify 'readonly' setting in readonly mode/,
    ],
    ['raising a limit in SQL', 'SELECT 1 SETTINGS max_execution_time = 100000', '164', /readonly mode/],
    ['another database', 'SELECT * FROM system.parts', '497', /ACCESS_DENIED/],
    [
      'a table function reading files',
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
      '164',
      /readonly mode/,
    ],
    ['a table function reaching out', "SELECT * FROM merge('system', 'one')", '497', /ACCESS_DENIED/],
    ['a write to a file', "SELECT 1 INTO OUTFILE '/tmp/crm-sql-entrance'", '164', /READONLY/],
    ['two statements', 'SELECT 1; DROP TABLE events', '62', /Multi-statements are not allowed/],
    [
      'an EXPLAIN reading elsewhere',
      'EXPLAIN QUERY TREE SELECT (SELECT count() FROM system.parts)',
      '497',
      /system\.parts/,
    ],
    ['a DESCRIBE reading elsewhere', 'DESCRIBE (SELECT * FROM system.parts)', '497', /ACCESS_DENIED/],
  ])('refuses %s in ClickHouse error format', async (_what, query, code, message) => {
    const answer = await refusal(query);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.code).toBe(code);
    expect(answer.text).toMatch(/^Code: \d+\. DB::Exception: /);
    expect(answer.text).toMatch(message);
    const [row] = await sql
      .query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' })
      .then((r) => r.json<{ n: number }>());
    expect(row.n).toBeGreaterThan(0);
  });

  it('answers the metadata statements SQL tools send', async () => {
    const text = async (query: string) => (await sql.query({ query, format: 'TabSeparated' })).text();
    expect((await text('SHOW TABLES')).split('\n')).toEqual(
      expect.arrayContaining(['events', 'rfm_segments']),
    );
    expect(await text('DESCRIBE TABLE events')).toMatch(/^event_id\t/m);
    expect(await text('EXISTS TABLE customers')).toBe('1\n');
    expect(
      await text("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'events'"),
    ).toBe('events\n');
  });

  it('refuses another database as current database, and a limit raised as a parameter', async () => {
    expect(await refusal('SELECT 1', { database: 'system' })).toMatchObject({ status: 403, code: '497' });
    expect(await refusal('SELECT 1', { max_result_rows: '50000' })).toMatchObject({
      status: 403,
      code: '452',
    });
    expect(await refusal('SELECT 1', { readonly: '0' })).toMatchObject({ status: 403, code: '164' });
  });

  it('refuses an over-limit result instead of cutting it, and lets a client ask for less', async () => {
    const over = await refusal('SELECT number FROM numbers(20000)');
    expect(over.code).toBe('396');
    expect(over.text).toMatch(/TOO_MANY_ROWS_OR_BYTES/);
    const lower = await refusal('SELECT number FROM numbers(50)', { max_result_rows: '10' });
    expect(lower.code).toBe('396');
    await expect(
      sql.query({ query: 'SELECT number FROM numbers(20000)', format: 'JSONEachRow' }),
    ).rejects.toMatchObject({ type: 'TOO_MANY_ROWS_OR_BYTES' });
  });

  it('needs an API key with the analytics:sql scope', async () => {
    for (const [password, type] of [
      ['crm_nope_nope', 'AUTHENTICATION_FAILED'],
      [reader.token, 'ACCESS_DENIED'],
    ]) {
      const other = client(password);
      await expect(other.query({ query: 'SELECT 1' })).rejects.toMatchObject({ type });
      await other.close();
    }
    const anonymous = await fetch(`${url}/?query=SELECT%201`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toMatch(/REQUIRED_PASSWORD/);
  });

  const python = process.env.CLICKHOUSE_CONNECT_PYTHON;
  (python ? it : it.skip)('answers Python clickhouse-connect (CLICKHOUSE_CONNECT_PYTHON)', async () => {
    const script = `
import json, sys, clickhouse_connect
from clickhouse_connect.driver.exceptions import DatabaseError
port, key = int(sys.argv[1]), sys.argv[2]
c = clickhouse_connect.get_client(host='127.0.0.1', port=port, username='analyst', password=key)
out = {'version': c.server_version}
out['rows'] = c.query("SELECT customer_id, purchases FROM lifecycle_customers(start_date = '2026-01-01', end_date = '2026-02-28') WHERE customer_id IN ('sql-ana', 'sql-ben') ORDER BY customer_id").result_rows
out['count'] = c.command('SELECT count() FROM customers FINAL')
out['funnel'] = c.query("SELECT * FROM lifecycle_funnel(start_date = {s:Date}, end_date = {e:Date})", parameters={'s': '2026-01-01', 'e': '2026-02-28'}).first_item
for name, sql in [('insert', "INSERT INTO events (event_id) VALUES (generateUUIDv4())"), ('other_db', 'SELECT * FROM system.parts'), ('ro0', 'SELECT 1 SETTINGS readonly=0')]:
    try:
        c.query(sql)
        out[name] = 'accepted'
    except DatabaseError as e:
        out[name] = str(e)
print(json.dumps(out, default=str))
`;
    const port = String(api.app.get(SqlEntrance).port);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(python as string, ['-c', script, port, analyst.token], (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.version).toMatch(/^\d+\.\d+/);
    expect(out.rows).toEqual([
      ['sql-ana', 1],
      ['sql-ben', 0],
    ]);
    expect(Number(out.count)).toBeGreaterThanOrEqual(2);
    expect(out.funnel).toMatchObject({ purchasing: 1 });
    expect(out.insert).toMatch(/164/);
    expect(out.other_db).toMatch(/497/);
    expect(out.ro0).toMatch(/Cannot modify 'readonly' setting/);
  });
});

if (!process.env.CLICKHOUSE_CONNECT_PYTHON)
  console.warn(
    'analytics-sql: the clickhouse-connect case is skipped: run `eval "$(bash infra/local/clickhouse-connect.sh)"` ' +
      'and export CLICKHOUSE_CONNECT_PYTHON to run it',
  );
