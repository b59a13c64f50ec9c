import { parseArgs } from 'node:util';

/** What `npm run bench -- <flags>` can set. Sizes are bounded so a run stays in minutes on a laptop. */
export interface BenchOptions {
  /** Scenario groups to run (see GROUPS); empty: all. */
  readonly only: readonly string[];
  readonly runs: number;
  readonly seed: number;
  readonly appendEvents: number;
  readonly appendSingleEvents: number;
  readonly appendBatches: readonly number[];
  readonly synchronous: 'NORMAL' | 'FULL';
  /** PRAGMA synchronous levels the durable group runs, in order. */
  readonly durableModes: readonly ('NORMAL' | 'FULL')[];
  /** Concurrent callers of the durable group's concurrent workloads. */
  readonly durableCallers: number;
  /** Events per run of the durable group's one-event workloads (embedded store). */
  readonly durableEvents: number;
  /** Events per run of the durable group's batch workloads (embedded store). */
  readonly durableBatchEvents: number;
  /** Events per run on Emmett's store, one event per call (batches: ten times as many). */
  readonly emmettEvents: number;
  readonly httpEvents: number;
  readonly httpBatches: readonly number[];
  readonly httpConcurrency: number;
  readonly httpSeconds: number;
  /**
   * API process counts of `crm serve --api-processes n` the http group measures, each in turn (worker part
   * projecting beside it); empty: the API alone in the bench process (createApiApp), as before.
   */
  readonly httpApiProcesses: readonly number[];
  readonly generateCustomers: number;
  readonly generateAppend: boolean;
  readonly lagRate: number;
  readonly lagSeconds: number;
  /** RELAY_BATCH_SIZE for the lag scenario; undefined: the app's default. */
  readonly lagRelayBatch?: number;
  /** Lag setups to run, of serve-http, serve, embedded, kafka-postgres (empty: all). */
  readonly lagSetups: readonly string[];
  /** Events per request of the serve-http lag setup and of the Customer 360 scenario's ingest. */
  readonly lagHttpBatch: number;
  /** Where `crm serve` runs its worker part in the scenarios that start it (serve-http lag, c360). */
  readonly serveWorker: 'process' | 'inline';
  /** Events/s offered over HTTP while the Customer 360 scenario measures (0: none). */
  readonly c360IngestRate: number;
  /** API processes of crm serve in the Customer 360 scenario (API_PROCESSES). */
  readonly c360ApiProcesses: number;
  readonly c360Customers: number;
  readonly c360Rate: number;
  readonly c360Seconds: number;
  readonly rebuildEvents: number;
  readonly rebuildBatch: number;
  /** Customers generated for the analytics scenario (about 10.5 events each). */
  readonly analyticsCustomers: number;
  /** An existing store (events.sqlite and keys.sqlite) for the analytics scenario instead of generating one. */
  readonly analyticsStoreDir?: string;
  /** Events produced to the ingest topic per Kafka ingest run. */
  readonly kafkaEvents: number;
  /** The CDNOW master purchase log the clv scenario fits (this code and Python's lifetimes). */
  readonly cdnowMaster: string;
  readonly outDir?: string;
  readonly help: boolean;
}

/** Where the shared data sets live on the project's machines (the clv scenario reads it there, no copy). */
const DEFAULT_CDNOW_MASTER = '/work/shared/datasets/cdnow/CDNOW_master.txt';

export const BENCH_USAGE = `npm run bench -- [options]

  --only <groups>            comma-separated, of: append, durable, http, breakdown, import, generate, lag,
                             c360, rebuild, analytics, analytics-fold, kafka, clv, catchup (default: all; roughly
                             40 minutes on 2 cores)
  --runs <n>                 runs per scenario; min/median/max are reported (default 3)
  --seed <n>                 generator seed (default 1)
  --append-events <n>        events per run for multi-event appends (default 200000)
  --append-single-events <n> events per run for one-event appends (default 50000)
  --append-batches <list>    events per appendToStream call (default 1,100,1000)
  --synchronous <mode>       SQLite synchronous pragma of the append group, FULL (production default) or NORMAL
  --durable-modes <list>     synchronous pragmas of the durable group (default FULL; e.g. FULL,NORMAL)
  --durable-callers <n>      concurrent callers in the durable group's concurrent workloads (default 16)
  --durable-events <n>       events per durable run at 1 event per call (default 40000)
  --durable-batch-events <n> events per durable run at 100 events per call (default 200000)
  --emmett-events <n>        events per run on Emmett's store at 1 event per call, 10x at 100 (default 3000)
  --http-events <n>          events per HTTP run, at most (default 100000)
  --http-batches <list>      events per POST /v1/events (default 100,1000)
  --http-concurrency <n>     concurrent clients (requests in flight) (default 4)
  --http-seconds <n>         time limit of one HTTP run (default 60)
  --http-api-processes <list> run the http group against the built crm serve --api-processes n, for each n
                             listed (e.g. 1,2), instead of the API alone in the bench process
  --generate-customers <n>   customers for the generator scenario (default 100000)
  --no-generate-append       skip the generator-into-the-store half of the generator scenario
  --lag-rate <n>             offered events/s in the lag scenario (default 2000)
  --lag-seconds <n>          seconds of offered load per lag run (default 20)
  --lag-relay-batch <n>      RELAY_BATCH_SIZE in the lag scenario (default: the app's, 500)
  --lag-setups <list>        lag setups: serve-http (crm serve as a process, events offered over HTTP, lag
                             read from its checkpoints, "growing?" from the first vs last minute), serve,
                             embedded, kafka-postgres (default: all)
  --lag-http-batch <n>       events per request offered over HTTP by serve-http and c360 (default 100)
  --serve-worker <mode>      crm serve --worker in serve-http and c360: process or inline (default process)
  --c360-api-processes <n>   crm serve --api-processes in the c360 scenario (default 1)
  --c360-ingest-rate <n>     events/s offered over HTTP while c360 measures (default 1000; 0: none)
  --c360-customers <n>       customers in the read model for the Customer 360 scenario (default 20000)
  --c360-rate <n>            offered requests/s of GET /v1/customers/{id} (default 1000)
  --c360-seconds <n>         seconds per Customer 360 run (default 15)
  --rebuild-events <n>       events in the store the rebuild scenario projects (default 300000)
  --rebuild-batch <n>        events per readAll and per projector transaction (default 1000)
  --analytics-customers <n>  customers generated for the analytics scenario (default 100000, ~1M events)
  --analytics-store <dir>    rebuild ClickHouse from this store (events.sqlite, keys.sqlite) instead, e.g. the
                             10M events of \`crm generate --customers 1000000 --append\`
  --kafka-events <n>         events per Kafka ingest channel run (default 100000; needs KAFKA_BROKERS)
  --cdnow-master <file>      CDNOW_master.txt for the clv scenario, which fits it here and with Python's
                             lifetimes, and for the catchup scenario, which imports it into crm serve
                             (default: $CDNOW_MASTER, else ${DEFAULT_CDNOW_MASTER})
  --out <dir>                where the JSON results go (default bench/results)`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      only: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      'append-events': { type: 'string' },
      'append-single-events': { type: 'string' },
      'append-batches': { type: 'string' },
      synchronous: { type: 'string' },
      'durable-modes': { type: 'string' },
      'durable-callers': { type: 'string' },
      'durable-events': { type: 'string' },
      'durable-batch-events': { type: 'string' },
      'emmett-events': { type: 'string' },
      'http-events': { type: 'string' },
      'http-batches': { type: 'string' },
      'http-concurrency': { type: 'string' },
      'http-seconds': { type: 'string' },
      'http-api-processes': { type: 'string' },
      'generate-customers': { type: 'string' },
      'no-generate-append': { type: 'boolean' },
      'lag-rate': { type: 'string' },
      'lag-seconds': { type: 'string' },
      'lag-relay-batch': { type: 'string' },
      'lag-setups': { type: 'string' },
      'lag-http-batch': { type: 'string' },
      'serve-worker': { type: 'string' },
      'c360-ingest-rate': { type: 'string' },
      'c360-api-processes': { type: 'string' },
      'c360-customers': { type: 'string' },
      'c360-rate': { type: 'string' },
      'c360-seconds': { type: 'string' },
      'rebuild-events': { type: 'string' },
      'rebuild-batch': { type: 'string' },
      'analytics-customers': { type: 'string' },
      'analytics-store': { type: 'string' },
      'kafka-events': { type: 'string' },
      'cdnow-master': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const synchronous = (values.synchronous ?? 'FULL').toUpperCase();
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL')
    throw new Error('--synchronous must be NORMAL or FULL');
  const durableModes = list(values['durable-modes'] ?? 'FULL').map((mode) => {
    const upper = mode.toUpperCase();
    if (upper !== 'NORMAL' && upper !== 'FULL') throw new Error('--durable-modes must list NORMAL or FULL');
    return upper;
  });
  return {
    only: list(values.only),
    runs: int('runs', values.runs, 3, 1, 50),
    seed: int('seed', values.seed, 1, 0, 2 ** 32 - 1),
    appendEvents: int('append-events', values['append-events'], 200_000, 1000, 10_000_000),
    appendSingleEvents: int('append-single-events', values['append-single-events'], 50_000, 100, 10_000_000),
    appendBatches: list(values['append-batches'] ?? '1,100,1000').map((b) =>
      int('append-batches', b, 1, 1, 10_000),
    ),
    synchronous,
    durableModes,
    durableCallers: int('durable-callers', values['durable-callers'], 16, 1, 256),
    durableEvents: int('durable-events', values['durable-events'], 40_000, 1000, 10_000_000),
    durableBatchEvents: int(
      'durable-batch-events',
      values['durable-batch-events'],
      200_000,
      1000,
      10_000_000,
    ),
    emmettEvents: int('emmett-events', values['emmett-events'], 3_000, 100, 1_000_000),
    httpEvents: int('http-events', values['http-events'], 100_000, 1000, 10_000_000),
    httpBatches: list(values['http-batches'] ?? '100,1000').map((b) => int('http-batches', b, 1, 1, 1000)),
    httpConcurrency: int('http-concurrency', values['http-concurrency'], 4, 1, 64),
    httpSeconds: int('http-seconds', values['http-seconds'], 60, 1, 3600),
    httpApiProcesses: list(values['http-api-processes']).map((n) => int('http-api-processes', n, 1, 1, 64)),
    generateCustomers: int('generate-customers', values['generate-customers'], 100_000, 100, 10_000_000),
    generateAppend: !values['no-generate-append'],
    lagRate: int('lag-rate', values['lag-rate'], 2000, 10, 100_000),
    lagSeconds: int('lag-seconds', values['lag-seconds'], 20, 5, 3600),
    ...(values['lag-relay-batch'] !== undefined
      ? { lagRelayBatch: int('lag-relay-batch', values['lag-relay-batch'], 500, 1, 10_000) }
      : {}),
    lagSetups: list(values['lag-setups']),
    lagHttpBatch: int('lag-http-batch', values['lag-http-batch'], 100, 1, 1000),
    serveWorker: serveWorker(values['serve-worker']),
    c360ApiProcesses: int('c360-api-processes', values['c360-api-processes'], 1, 1, 64),
    c360IngestRate: int('c360-ingest-rate', values['c360-ingest-rate'], 1000, 0, 100_000),
    c360Customers: int('c360-customers', values['c360-customers'], 20_000, 100, 10_000_000),
    c360Rate: int('c360-rate', values['c360-rate'], 1000, 1, 100_000),
    c360Seconds: int('c360-seconds', values['c360-seconds'], 15, 2, 3600),
    rebuildEvents: int('rebuild-events', values['rebuild-events'], 300_000, 1000, 100_000_000),
    rebuildBatch: int('rebuild-batch', values['rebuild-batch'], 1000, 1, 10_000),
    analyticsCustomers: int('analytics-customers', values['analytics-customers'], 100_000, 100, 10_000_000),
    ...(values['analytics-store'] ? { analyticsStoreDir: values['analytics-store'] } : {}),
    kafkaEvents: int('kafka-events', values['kafka-events'], 100_000, 1000, 10_000_000),
    cdnowMaster: values['cdnow-master'] ?? process.env.CDNOW_MASTER ?? DEFAULT_CDNOW_MASTER,
    ...(values.out ? { outDir: values.out } : {}),
    help: values.help ?? false,
  };
}

function serveWorker(value: string | undefined): 'process' | 'inline' {
  if (value === undefined || value === 'process' || value === 'inline') return value ?? 'process';
  throw new Error('--serve-worker must be process or inline');
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}
