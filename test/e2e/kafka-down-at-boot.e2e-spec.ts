import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRM_BIN, embeddedEnv, freePort, requireBuiltCli, runCrm } from '../support/crm-cli';
import { WorkerProcess } from '../support/worker-process';

const KAFKA_SH = join(__dirname, '../../infra/local/kafka.sh');

jest.setTimeout(300_000);

/**
 * Kafka down when the processes boot (issue 11): `crm serve` and the worker start anyway, report the bus
 * as down (/health, `crm status`), and connect once a broker appears: a private one, started only after them
 * on free ports and a run directory of its own (the shared broker is never touched).
 */
describe('Kafka down at boot: the processes run, say so, and connect when it comes', () => {
  let dir: string;
  let kafkaEnv: NodeJS.ProcessEnv;
  let brokers: string;
  let serve: ChildProcess | undefined;
  let worker: WorkerProcess | undefined;
  let kafkaStarted = false;

  const kafka = (command: 'start' | 'stop' | 'reset') =>
    execFileSync('bash', [KAFKA_SH, command], {
      env: kafkaEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });

  beforeAll(async () => {
    requireBuiltCli();
    WorkerProcess.assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'writepath-srv-'));
    const [port, controller] = [await freePort(), await freePort()];
    brokers = `127.0.0.1:${port}`;
    kafkaEnv = {
      ...process.env,
      CRM_RUN_DIR: join(dir, 'run'),
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
    };
  });

  afterAll(async () => {
    serve?.kill('SIGKILL');
    await worker?.kill();
    if (kafkaStarted) kafka('reset');
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots without the broker, reports it down, and delivers once the broker is up', async () => {
    const data = join(dir, 'data');
    const env = embeddedEnv(data, { KAFKA_BROKERS: brokers, HOST: '127.0.0.1' });
    const httpPort = await freePort();
    serve = spawn(process.execPath, [CRM_BIN, 'serve'], {
      env: { ...env, PORT: String(httpPort) },
      stdio: 'ignore',
    });
    const base = `http://127.0.0.1:${httpPort}`;
    const health = async () => {
      const res = await fetch(`${base}/health`).catch(() => undefined);
      return res && { status: res.status, body: (await res.json()) as { checks?: Record<string, unknown> } };
    };

    // Until the bus's state is known (crm serve's worker process reports it every second) there is no bus check.
    let answer = await health();
    for (let i = 0; i < 240 && !answer?.body.checks?.bus; i++) {
      expect(serve.exitCode).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 500));
      answer = await health();
    }
    expect(answer?.status).toBe(503);
    expect(answer?.body.checks).toMatchObject({
      eventStore: { status: 'up' },
      bus: { adapter: 'kafka', status: 'down' },
    });

    // A worker process of its own on another data directory: it boots and stays up too.
    worker = new WorkerProcess(
      'boot-without-kafka',
      embeddedEnv(join(dir, 'worker'), { KAFKA_BROKERS: brokers }) as Record<string, string>,
      join(dir, 'worker.log'),
    );
    worker.start();
    await worker.ready(120_000);
    const workerLog = () => readFileSync(join(dir, 'worker.log'), 'utf8');
    for (let i = 0; i < 240 && !workerLog().includes('not reachable, retrying'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(workerLog()).toContain('not reachable, retrying');
    expect(worker.running).toBe(true);
    // It would join crm serve's consumer groups once the broker is up and take some of the partitions into
    // its own read model: stop it, so that what follows is crm serve's alone.
    await worker.kill();

    const status = await runCrm(['status', '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).bus).toMatchObject({ state: 'down', brokers: [brokers] });
    const table = await runCrm(['status'], env);
    expect(table.stdout).toContain(`bus (kafka ${brokers}): down`);

    // Accepted meanwhile: the write path does not need the bus.
    const key = readFileSync(join(data, 'dev-api-key'), 'utf8').trim();
    const auth = { authorization: `Bearer ${key}` };
    const published = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'CustomerAcquired',
        customerId: 'late-kafka-1',
        occurredAt: '2026-01-05T09:00:00Z',
        data: { channel: 'organic' },
      }),
    });
    expect(published.status).toBe(201);

    kafka('start');
    kafkaStarted = true;

    let customer: Response | undefined;
    for (let i = 0; i < 240 && customer?.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      customer = await fetch(`${base}/v1/customers/late-kafka-1`, { headers: auth });
    }
    expect(customer?.status).toBe(200);
    expect(await customer?.json()).toMatchObject({ customerId: 'late-kafka-1', stage: 'acquired' });
    answer = await health();
    expect(answer?.body.checks).toMatchObject({ bus: { adapter: 'kafka', status: 'up' } });
    expect((await runCrm(['status', '--json'], env)).stdout).toContain('"state": "up"');
    expect(serve.exitCode).toBeNull();
  });
});
