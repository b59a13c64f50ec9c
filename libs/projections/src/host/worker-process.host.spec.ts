import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerPartUnavailableError } from './forwarded-engine.connection';
import { readWorkerPartState } from './worker-part.state-file';
import { WorkerProcessHost } from './worker-process.host';

/** Stand-ins for worker-process.main: real child processes speaking the same messages. */
const STEADY = `
process.on('message', (m) => {
  if (m.type === 'stop') setTimeout(() => process.exit(0), 20);
  if (m.type === 'request') process.send({ type: 'reply', id: m.id, ok: { op: m.request.op } });
});
process.send({ type: 'ready' });
`;
const CRASHING = `
process.on('message', () => undefined);
process.send({ type: 'ready' });
setTimeout(() => { console.error('boom: the projector failed'); process.exit(3); }, 50);
`;
const NEVER_BOOTS = `
process.send({ type: 'boot-failed', error: 'ConfigError: DATA_DIR is not writable' });
process.exit(1);
`;

describe('WorkerProcessHost', () => {
  let dir: string;
  const script = (name: string, text: string) => {
    const file = join(dir, `${name}.js`);
    writeFileSync(file, text);
    return file;
  };
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const backoff = { initialMs: 30, maxMs: 100, resetAfterMs: 60_000 };
  /** A host of a stand-in worker (`text`), with a fast backoff unless given one. */
  const hostOf = (name: string, text: string, hostBackoff = backoff) =>
    new WorkerProcessHost({ dataDir: dir, workerId: 'w', script: script(name, text), backoff: hostBackoff });

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'crm-worker-host-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the worker, forwards requests to it, and stops it', async () => {
    const host = hostOf('steady', STEADY);
    await host.start();
    const running = host.snapshot();
    expect(running).toMatchObject({ mode: 'process', state: 'running', pid: process.pid, restarts: 0 });
    expect(running.workerPid).toEqual(expect.any(Number));
    expect(readWorkerPartState(dir)).toMatchObject({ state: 'running', processAlive: true });
    await expect(host.request({ op: 'session-open' })).resolves.toEqual({ op: 'session-open' });
    await host.stop();
    expect(host.snapshot().state).toBe('stopped');
    expect(readWorkerPartState(dir)).toMatchObject({ state: 'stopped' });
    await expect(host.request({ op: 'session-open' })).rejects.toBeInstanceOf(WorkerPartUnavailableError);
  });

  it('reports a crash with the end of its stderr and starts the worker again, later each time', async () => {
    const host = hostOf('crash', CRASHING);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await host.start();
      await until(() => host.snapshot().restarts >= 2, 'two restarts');
      const crashed = host.snapshot();
      expect(crashed.lastCrash?.error).toMatch(/^exited with code 3: boom: the projector failed/);
      expect(readWorkerPartState(dir)?.lastCrash?.error).toMatch(/exited with code 3/);
      await until(() => host.snapshot().state === 'restarting', 'a crash');
      // 30 ms after the first crash, then doubled, at most 100: by the third crash the wait is 60 or more.
      const { nextStartAt, lastCrash } = host.snapshot();
      const waitMs = Date.parse(nextStartAt!) - Date.parse(lastCrash!.at);
      expect(waitMs).toBeGreaterThanOrEqual(60);
      expect(waitMs).toBeLessThanOrEqual(100);
      await expect(host.request({ op: 'session-open' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await host.stop();
      stderr.mockRestore();
    }
    expect(host.snapshot().state).toBe('stopped');
  });

  it('lets the API start when the worker cannot boot, and says why', async () => {
    const host = hostOf('never', NEVER_BOOTS, { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 60_000 });
    await host.start(); // resolves on the failed first start: the API serves without its worker part
    expect(host.snapshot()).toMatchObject({
      state: 'restarting',
      lastCrash: { error: 'exited with code 1: ConfigError: DATA_DIR is not writable' },
    });
    await host.stop();
    expect(host.snapshot().state).toBe('stopped');
  });
});
