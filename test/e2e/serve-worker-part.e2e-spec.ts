import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRM_BIN, embeddedEnv, freePort, requireBuiltCli, runCrm } from '../support/crm-cli';

interface WorkerState {
  readonly state: string;
  readonly pid: number;
  readonly workerPid?: number;
  readonly restarts: number;
  readonly lastCrash?: { readonly at: string; readonly error: string };
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
 * `crm serve` runs its worker part (relay, projectors, embedded analytics engine) in a child process. The API
 * keeps answering while that process is busy with a backlog and after it has been killed; the crash is reported
 * (/health, /metrics, crm status), the worker is started again and the projections catch up with what was
 * appended meanwhile; SIGTERM stops both processes.
 */
describe('crm serve: the API answers whatever the worker part does', () => {
  let dir: string;
  let data: string;
  let base: string;
  let key: string;
  let server: ChildProcess;
  let exited: Promise<number | string | null>;

  const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const publish = (body: unknown) =>
    fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const acquired = (customerId: string) => ({
    type: 'CustomerAcquired',
    customerId,
    occurredAt: '2026-01-05T09:00:00Z',
    data: { channel: 'organic', profile: { country: 'IT' } },
  });
  const workerState = () => JSON.parse(readFileSync(join(data, 'serve-worker.json'), 'utf8')) as WorkerState;
  const health = async () => {
    const res = await fetch(`${base}/health`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-serve-worker-'));
    data = join(dir, 'data');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [CRM_BIN, 'serve'], {
      env: embeddedEnv(data, {
        PORT: String(port),
        HOST: '127.0.0.1',
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
      }),
      stdio: 'ignore',
    });
    exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve(code ?? signal)));
    await until('crm serve to answer /health', async () => (await fetch(`${base}/health`)).ok, 120_000);
    key = readFileSync(join(data, 'dev-api-key'), 'utf8').trim();
  }, 150_000);

  afterAll(async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the worker part in a process of its own, and projects through it', async () => {
    const state = workerState();
    expect(state).toMatchObject({ state: 'running', pid: server.pid, restarts: 0 });
    expect(state.workerPid).toEqual(expect.any(Number));
    expect(state.workerPid).not.toBe(server.pid);
    const res = await publish(acquired('w-1'));
    expect(res.status).toBe(201);
    const position = ((await res.json()) as { results: { globalPosition: string }[] }).results[0]
      .globalPosition;
    const view = await get(`/v1/customers/w-1?minPosition=${position}`);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({
      customerId: 'w-1',
      stage: 'acquired',
      profile: { country: 'IT' },
    });
  }, 60_000);

  it('answers health and Customer 360 while the worker part has a backlog', async () => {
    const batches = Array.from({ length: 10 }, (_, b) => ({
      events: Array.from({ length: 500 }, (_, i) => acquired(`busy-${b}-${i}`)),
    }));
    const posted = await Promise.all(batches.map((batch) => publish(batch)));
    expect(posted.map((r) => r.status)).toEqual(Array(10).fill(201));
    // Asked at once, while the relay and both projectors work through 5,000 events.
    const [ready, customer] = await Promise.all([fetch(`${base}/health`), get('/v1/customers/w-1')]);
    expect(ready.status).toBe(200);
    expect(customer.status).toBe(200);
    await until('the backlog to be projected', async () => (await get('/v1/customers/busy-9-499')).ok);
  }, 120_000);

  it('reports a killed worker part, keeps answering, starts it again and catches up', async () => {
    const before = workerState();
    process.kill(before.workerPid!, 'SIGKILL');
    await until('the crash to be reported', async () => workerState().lastCrash !== undefined, 10_000);

    // While it is down or booting again: ready, degraded, the crash named; reads and appends still served.
    const down = await health();
    const crashed = down.body.worker as Record<string, unknown> | undefined;
    if (crashed) {
      expect(down.status).toBe(200);
      expect(down.body.status).toBe('degraded');
      expect(crashed).toMatchObject({ mode: 'process', lastCrash: { error: 'killed by SIGKILL' } });
      expect(['restarting', 'starting']).toContain(crashed.state);
    }
    expect((await get('/v1/customers/w-1')).status).toBe(200);
    const appended = await publish(acquired('w-during-restart'));
    expect(appended.status).toBe(201);
    const position = ((await appended.json()) as { results: { globalPosition: string }[] }).results[0]
      .globalPosition;

    await until('the worker part to run again', async () => workerState().state === 'running');
    const after = workerState();
    expect(after.restarts).toBe(1);
    expect(after.workerPid).not.toBe(before.workerPid);
    expect(alive(before.workerPid!)).toBe(false);
    await until('/health to be ok again', async () => (await health()).body.status === 'ok');

    const view = await get(`/v1/customers/w-during-restart?minPosition=${position}&waitMs=10000`);
    expect(view.status).toBe(200);
    // The analytics engine lives in the worker process: answered again once it runs.
    await until('analytics to answer again', async () => (await get('/v1/analytics/rfm?currency=EUR')).ok);

    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/^crm_worker_part_up 1$/m);
    expect(metrics).toMatch(/^crm_worker_part_restarts 1$/m);
    expect(metrics).toMatch(
      /^crm_pipeline_stage_state\{stage="analytics",kind="projection",state="live"\} 1$/m,
    );

    const status = await runCrm(['status', '--json'], embeddedEnv(data));
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).worker).toMatchObject({
      state: 'running',
      restarts: 1,
      processAlive: true,
      lastCrash: { error: 'killed by SIGKILL' },
    });
  }, 180_000);

  it('stops the worker part with the API on SIGTERM', async () => {
    const { workerPid } = workerState();
    server.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await exited);
    expect(alive(workerPid!)).toBe(false);
    expect(workerState().state).toBe('stopped');
  }, 90_000);
});
