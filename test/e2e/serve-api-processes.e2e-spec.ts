import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRM_BIN, embeddedEnv, freePort, requireBuiltCli, runCrm } from '../support/crm-cli';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';

interface ServeState {
  readonly state: string;
  readonly pid: number;
  readonly workerPid?: number;
  readonly api?: {
    readonly processes: number;
    readonly up: number;
    readonly pids: Record<string, number>;
    readonly restarts: number;
    readonly lastCrash?: { readonly at: string; readonly error: string; readonly apiProcess: number };
  };
}

interface Stage {
  readonly name: string;
  readonly headPosition: string;
  readonly lagEvents: number;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A GET on a connection of its own (the primary hands each new connection to the next API process), with the
 * key `token()` gives at the time of the request: its status, the process that answered, and the body.
 */
const getOnNewConnection = (url: string, token: () => string) =>
  new Promise<{ status: number; apiProcess: string; body: string }>((resolve, reject) => {
    httpGet(url, { agent: false, headers: { authorization: `Bearer ${token()}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, apiProcess: String(res.headers['x-crm-api-process']), body }),
      );
    }).once('error', reject);
  });

/**
 * `crm serve --api-processes 2` as users run it (the built binary): two API processes share the port beside
 * the worker part. Both answer (each names itself), appends from both land exactly once whatever their
 * interleaving on shared customers, the engine answers from both, /metrics is the service's (their counters
 * summed), a killed API process is reported and started again while the other serves, and SIGTERM stops all.
 */
describe('crm serve --api-processes 2', () => {
  let dir: string;
  let data: string;
  let base: string;
  let key: string;
  let server: ChildProcess;
  let exited: Promise<number | string | null>;

  const auth = () => ({ authorization: `Bearer ${key}` });
  const get = (path: string) => fetch(`${base}${path}`, { headers: auth() });
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const publish = (body: unknown) =>
    fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const onNewConnection = (path: string) => getOnNewConnection(`${base}${path}`, () => key);
  const state = () => JSON.parse(readFileSync(join(data, 'serve-worker.json'), 'utf8')) as ServeState;
  const metrics = async () => (await get('/metrics')).text();
  const metricValue = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (
      !(await Promise.resolve()
        .then(check)
        .catch(() => false))
    ) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const caughtUp = async () => {
    const { stages } = await json<{ stages: Stage[] }>('/v1/admin/pipeline');
    return stages.every((s) => s.lagEvents === 0);
  };

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-serve-api-processes-'));
    data = join(dir, 'data');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const log = createWriteStream(join(dir, 'serve.log'));
    server = spawn(process.execPath, [CRM_BIN, 'serve', '--api-processes', '2'], {
      env: embeddedEnv(data, {
        PORT: String(port),
        HOST: '127.0.0.1',
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.pipe(log, { end: false });
    server.stderr?.pipe(log, { end: false });
    exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve(code ?? signal)));
    await until('both API processes to listen', () => state().api?.up === 2, 150_000);
    key = readFileSync(join(data, 'dev-api-key'), 'utf8').trim();
  }, 180_000);

  afterAll(async () => {
    if (server.exitCode === null && server.signalCode === null) {
      for (const pid of Object.values(state().api?.pids ?? {})) if (alive(pid)) process.kill(pid, 'SIGKILL');
      server.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from two API processes beside one worker part, each naming itself', async () => {
    const { pid, workerPid, api } = state();
    expect(pid).toBe(server.pid);
    expect(api).toMatchObject({ processes: 2, up: 2, restarts: 0 });
    const pids = Object.values(api!.pids);
    expect(new Set([pid, workerPid, ...pids]).size).toBe(4);

    const answers = await Promise.all(Array.from({ length: 8 }, () => onNewConnection('/v1/admin/pipeline')));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.apiProcess))).toEqual(new Set(['1', '2']));
    // One development key for both: the one the primary printed and wrote is accepted by each.
    expect((await onNewConnection('/v1/admin/projections')).status).toBe(200);
  }, 60_000);

  it('lands concurrent appends from both processes on shared customers exactly once', async () => {
    const customers = Array.from({ length: 30 }, (_, i) => `shared-${i}`);
    expect((await publish({ events: customers.map((c) => acquiredEvent(c)) })).status).toBe(201);
    const sent = new Map<string, string[]>(customers.map((c) => [c, []]));
    const servedBy = new Set<string>();
    // 8 clients, each 12 requests of 20 purchases spread over the same 30 customers: the two processes'
    // decision caches and group commits race on every stream. A write that still conflicts after the write
    // path's own retries is answered REVISION_CONFLICT (207) and the client sends it again, as clients do.
    await Promise.all(
      Array.from({ length: 8 }, async (_, client) => {
        for (let r = 0; r < 12; r++) {
          let batch = Array.from({ length: 20 }, (_, i) =>
            purchasedEvent(customers[(client * 7 + r * 3 + i) % customers.length]),
          );
          for (let attempt = 0; batch.length > 0; attempt++) {
            if (attempt === 50) throw new Error('a purchase never got through');
            const res = await publish({ events: batch });
            servedBy.add(String(res.headers.get('x-crm-api-process')));
            if (res.status === 409) {
              // Every stream of the batch conflicted: nothing was appended.
              const problem = (await res.json()) as { code: string; errors: unknown[] };
              expect(problem).toMatchObject({ code: 'REVISION_CONFLICT' });
              expect(problem.errors).toHaveLength(batch.length);
              continue;
            }
            if (res.status !== 201 && res.status !== 207)
              throw new Error(`${res.status}: ${await res.text()}`);
            const body = (await res.json()) as {
              results: { eventId: string }[];
              failures?: { code: string; indexes: number[] }[];
            };
            for (const { eventId } of body.results) {
              const event = batch.find((e) => e.eventId === eventId)!;
              sent.get(event.customerId)!.push(eventId);
            }
            const failed = (body.failures ?? []).flatMap((f) => {
              expect(f.code).toBe('REVISION_CONFLICT');
              return f.indexes;
            });
            expect(body.results.length + failed.length).toBe(batch.length);
            batch = failed.map((i) => batch[i]);
          }
        }
      }),
    );
    expect(servedBy).toEqual(new Set(['1', '2']));

    await until('the projections to catch up', caughtUp);
    const { stages } = await json<{ stages: Stage[] }>('/v1/admin/pipeline');
    const purchases = 8 * 12 * 20;
    // Every accepted event once in the store, and nothing else (earlier tests appended none).
    expect(Number(stages[0].headPosition)).toBe(customers.length + purchases);
    for (const customerId of customers) {
      const ids = sent.get(customerId)!;
      const { events } = await json<{ events: { eventId: string; type: string }[] }>(
        `/v1/customers/${customerId}/events?limit=1000`,
      );
      const stored = events.filter((e) => e.type === 'CustomerPurchased').map((e) => e.eventId);
      expect(stored.sort()).toEqual([...ids].sort());
      // The read model (projected by the worker part) and the fold of the stream agree with what was sent.
      const view = await json<{ spend: { purchases: number }[] }>(`/v1/customers/${customerId}`);
      const folded = await json<{ spend: { purchases: number }[] }>(
        `/v1/customers/${customerId}?asOf=${stages[0].headPosition}`,
      );
      expect(view.spend[0].purchases).toBe(ids.length);
      expect(folded.spend[0].purchases).toBe(ids.length);
    }
  }, 180_000);

  it('answers analytics from the engine in the worker part through either process', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => onNewConnection('/v1/analytics/rfm?currency=EUR')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(new Set(answers.map((a) => a.apiProcess))).toEqual(new Set(['1', '2']));
  }, 60_000);

  it('reports the whole service in /metrics, whichever process is scraped', async () => {
    await Promise.all(Array.from({ length: 6 }, () => onNewConnection('/health')));
    const { stages } = await json<{ stages: Stage[] }>('/v1/admin/pipeline');
    for (let scrape = 0; scrape < 4; scrape++) {
      const text = await metrics();
      // Appends happened in both processes: the sum is every event in the store.
      expect(metricValue(text, 'crm_event_store_appended_events_total')).toBe(Number(stages[0].headPosition));
      expect(metricValue(text, 'crm_api_process_requests_total{api_process="1"}')).toBeGreaterThan(0);
      expect(metricValue(text, 'crm_api_process_requests_total{api_process="2"}')).toBeGreaterThan(0);
      expect(metricValue(text, 'crm_api_processes')).toBe(2);
      expect(metricValue(text, 'crm_api_processes_up')).toBe(2);
      expect(metricValue(text, 'crm_worker_part_up')).toBe(1);
      // A gauge measured at the scrape is not added up across the processes.
      expect(metricValue(text, 'crm_event_store_head_position')).toBe(Number(stages[0].headPosition));
    }
  }, 60_000);

  it('survives and reports a killed API process, and starts it again', async () => {
    const before = state().api!;
    const victim = before.pids['2'];
    process.kill(victim, 'SIGKILL');
    await until('the crash to be reported', () => state().api?.lastCrash !== undefined, 10_000);
    expect(state().api!.lastCrash).toMatchObject({ apiProcess: 2, error: 'killed by SIGKILL' });

    // The other keeps serving every request meanwhile.
    const during = await Promise.all(Array.from({ length: 6 }, () => onNewConnection('/v1/admin/pipeline')));
    expect(during.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect((await publish(acquiredEvent('after-the-crash'))).status).toBe(201);
    const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
    if (state().api!.up < 2) {
      expect(health).toMatchObject({
        status: 'degraded',
        apiProcesses: { processes: 2, restarts: 1, lastCrash: { apiProcess: 2 } },
      });
    }

    await until('API process 2 to listen again', () => state().api?.up === 2, 60_000);
    const after = state().api!;
    expect(after.restarts).toBe(1);
    expect(after.pids['2']).not.toBe(victim);
    expect(after.pids['1']).toBe(before.pids['1']);
    expect(alive(victim)).toBe(false);
    const text = await metrics();
    expect(metricValue(text, 'crm_api_process_restarts')).toBe(1);
    expect(metricValue(text, 'crm_api_processes_up')).toBe(2);
    const status = await runCrm(['status'], embeddedEnv(data));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /API processes of crm serve: 2 of 2 listening, 1 restart; last crash of API process 2 .*killed by SIGKILL/,
    );
    const answers = await Promise.all(Array.from({ length: 6 }, () => onNewConnection('/health')));
    expect(new Set(answers.map((a) => a.apiProcess))).toEqual(new Set(['1', '2']));
  }, 120_000);

  it('stops every process on SIGTERM', async () => {
    const { workerPid, api } = state();
    server.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await exited);
    for (const pid of [workerPid!, ...Object.values(api!.pids)]) expect(alive(pid)).toBe(false);
    expect(state()).toMatchObject({ state: 'stopped', api: { up: 0 } });
  }, 90_000);
});

/**
 * The split deployment's API (apps/api, no worker part) with API_PROCESSES=2: the same cluster without an engine
 * to relay. Both processes answer with the one development key, /metrics adds them up, SIGTERM stops all.
 */
describe('the API alone with API_PROCESSES=2', () => {
  const API_MAIN = join(__dirname, '../../dist/apps/api/src/main.js');
  let dir: string;
  let base: string;
  let server: ChildProcess;

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-api-processes-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [API_MAIN], {
      env: embeddedEnv(join(dir, 'data'), { PORT: String(port), HOST: '127.0.0.1', API_PROCESSES: '2' }),
      stdio: 'ignore',
    });
  });

  afterAll(() => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from both processes, sums their metrics, and stops them all on SIGTERM', async () => {
    const key = () => readFileSync(join(dir, 'data', 'dev-api-key'), 'utf8').trim();
    const ask = (path: string) => getOnNewConnection(`${base}${path}`, key);
    const seen = new Set<string>();
    const deadline = Date.now() + 150_000;
    while (seen.size < 2) {
      if (Date.now() > deadline) throw new Error(`only API processes ${[...seen].join(', ')} answered`);
      const answer = await ask('/v1/admin/projections').catch(() => undefined);
      if (answer?.status === 200) seen.add(answer.apiProcess);
      else await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).toEqual(new Set(['1', '2']));
    const metrics = (await ask('/metrics')).body;
    expect(metrics).toMatch(/^crm_api_process_requests_total\{api_process="1"\} [1-9]/m);
    expect(metrics).toMatch(/^crm_api_process_requests_total\{api_process="2"\} [1-9]/m);
    expect(metrics).toMatch(/^crm_api_processes 2$/m);
    expect(metrics).toMatch(/^crm_api_processes_up 2$/m);

    const children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(children).toHaveLength(2);
    const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve(code ?? signal)));
    server.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await exited);
    for (const pid of children) expect(alive(pid)).toBe(false);
  }, 180_000);
});
