/**
 * Options of `npm run soak`. Every value is bounded: the soak is a fixed offered load for a fixed time on
 * loopback, never an open-ended stress run.
 */
export interface SoakOptions {
  readonly minutes: number;
  /** Offered write rate, events per second (sent as batches of `batchSize`). */
  readonly writeRate: number;
  readonly batchSize: number;
  /** Parallel write lanes; a customer always goes through the same lane, so its events stay in order. */
  readonly lanes: number;
  /** Offered Customer 360 reads per second. */
  readonly readRate: number;
  /** Seconds between two analytics rounds (RFM + LTV). */
  readonly analyticsEverySeconds: number;
  /** Seconds between two samples of memory and lag. */
  readonly sampleEverySeconds: number;
  /** Seconds allowed after the load stops for the pipeline to drain to zero lag. */
  readonly drainSeconds: number;
  readonly port: number;
  readonly seed: number;
  /** Leak threshold: least-squares slope of RSS over the second half, MiB per minute. */
  readonly maxRssSlopeMibPerMin: number;
  /** Leak threshold: slope of V8 heap used over the second half, MiB per minute. */
  readonly maxHeapSlopeMibPerMin: number;
  /** Lag trend threshold, as a share of the offered write rate (events of lag gained per minute). */
  readonly maxLagSlopeShare: number;
  readonly keepDataDir: boolean;
}

const DEFAULTS: SoakOptions = {
  minutes: 10,
  writeRate: 500,
  batchSize: 50,
  lanes: 4,
  readRate: 200,
  analyticsEverySeconds: 5,
  sampleEverySeconds: 5,
  drainSeconds: 60,
  port: 39_400,
  seed: 20261123,
  maxRssSlopeMibPerMin: 4,
  maxHeapSlopeMibPerMin: 2,
  maxLagSlopeShare: 0.01,
  keepDataDir: false,
};

/** Upper bounds, so a typo cannot turn the soak into an unbounded load test. */
const LIMITS: Partial<Record<keyof SoakOptions, number>> = {
  minutes: 60,
  writeRate: 5_000,
  readRate: 2_000,
  batchSize: 1_000,
  lanes: 32,
};

const FLAGS: Record<string, keyof SoakOptions> = {
  '--minutes': 'minutes',
  '--write-rate': 'writeRate',
  '--batch-size': 'batchSize',
  '--lanes': 'lanes',
  '--read-rate': 'readRate',
  '--analytics-every': 'analyticsEverySeconds',
  '--sample-every': 'sampleEverySeconds',
  '--drain': 'drainSeconds',
  '--port': 'port',
  '--seed': 'seed',
  '--max-rss-slope': 'maxRssSlopeMibPerMin',
  '--max-heap-slope': 'maxHeapSlopeMibPerMin',
  '--max-lag-slope-share': 'maxLagSlopeShare',
};

export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const options: Record<string, number | boolean> = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--keep-data') {
      options.keepDataDir = true;
      continue;
    }
    const key = FLAGS[flag];
    if (!key) throw new Error(`Unknown option ${flag}; known: ${Object.keys(FLAGS).join(', ')}, --keep-data`);
    const value = Number(argv[++i]);
    const limit = LIMITS[key] ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isFinite(value) || value <= 0 || value > limit) {
      throw new Error(
        `${flag} needs a positive number${limit < Number.MAX_SAFE_INTEGER ? ` <= ${limit}` : ''}`,
      );
    }
    options[key] = value;
  }
  return options as unknown as SoakOptions;
}
