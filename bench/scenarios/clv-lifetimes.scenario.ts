import {
  bgNbdTotalLogLikelihood,
  fitClvModel,
  gammaGammaTotalLogLikelihood,
  type ClvModel,
} from '@crm/analytics';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchOptions } from '../bench-options';
import { summarize, type Scenario, type ScenarioResult } from '../bench-result';
import { CDNOW_CUTOFF, cdnowSummary } from './cdnow-summary.reader';

const run = promisify(execFile);

/**
 * What the bench installs into its own virtual environment (never a dependency of the service). lifetimes
 * 0.11.3 (2020) predates NumPy 2 and pandas 2: these are the newest that install and fit on Python 3.11.
 */
const LIFETIMES_PINS = [
  'lifetimes==0.11.3',
  'numpy==1.26.4',
  'scipy==1.11.4',
  'pandas==1.5.3',
  'autograd==1.6.2',
];

interface LifetimesReport {
  readonly versions: Record<string, string>;
  readonly customers: number;
  readonly spendCustomers: number;
  readonly bgNbd: { params: { r: number; alpha: number; a: number; b: number } };
  readonly gammaGamma: { params: { p: number; q: number; v: number } };
  readonly bgNbdMs: number[];
  readonly gammaGammaMs: number[];
}

/**
 * Issue 12's CLV comparison: the CDNOW master's summary (as of 1997-09-30, the clv_summary conventions, read
 * from the file) fitted by this code (fitClvModel: BG/NBD + Gamma-Gamma) and by Python's lifetimes
 * (BetaGeoFitter + GammaGammaFitter, no penalty) on the same rows, each `runs` times in one warm process; the
 * medians, both parameter sets, the log-likelihood of each estimate under the same likelihood, and the ratio.
 * Skipped, with the reason, when the file, Python or the packages are not available.
 */
export function clvLifetimesScenario(options: BenchOptions): Scenario {
  return {
    group: 'clv',
    async run(): Promise<ScenarioResult[]> {
      const title = 'CLV fit on the CDNOW master (BG/NBD + Gamma-Gamma): this code';
      const skipped = (reason: string): ScenarioResult[] => {
        log(`clv: skipped: ${reason}`);
        return [{ id: 'clv-cdnow-fit', title, unit: 'ms', samples: [], pending: `skipped: ${reason}` }];
      };
      if (!existsSync(options.cdnowMaster)) return skipped(`no CDNOW master at ${options.cdnowMaster}`);
      const summary = cdnowSummary(options.cdnowMaster);
      const asOf = { cutoff: CDNOW_CUTOFF, currency: 'USD' };
      let model: ClvModel | undefined;
      const ours: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        const started = process.hrtime.bigint();
        model = fitClvModel(summary, asOf);
        ours.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      log(`clv: this code fitted ${summary.length} customers in ${ours.map(Math.round).join('/')} ms`);
      const python = await lifetimesPython().catch((error: Error) => error);
      if (python instanceof Error) return [oursResult(title, ours, model!), ...skipped(python.message)];
      const dir = mkdtempSync(join(tmpdir(), 'crm-bench-clv-'));
      try {
        const csv = join(dir, 'summary.csv');
        writeFileSync(
          csv,
          `x,t_x,T,m\n${summary.map((c) => `${c.x},${c.tx},${c.T},${c.meanRepeatMinor / 100}`).join('\n')}\n`,
        );
        const { stdout } = await run(python, [lifetimesScript(), csv, String(options.runs)], {
          maxBuffer: 1 << 20,
          timeout: 600_000,
        });
        const theirs = JSON.parse(stdout.trim().split('\n').pop()!) as LifetimesReport;
        return compare(title, summary, model!, ours, theirs);
      } catch (error) {
        return [oursResult(title, ours, model!), ...skipped(`lifetimes failed: ${(error as Error).message}`)];
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function compare(
  title: string,
  summary: ReturnType<typeof cdnowSummary>,
  model: ClvModel,
  ours: number[],
  theirs: LifetimesReport,
): ScenarioResult[] {
  const lifetimesMs = theirs.bgNbdMs.map((bg, i) => bg + theirs.gammaGammaMs[i]);
  const median = (samples: readonly number[]) => summarize(samples)!.median;
  const ratio = median(lifetimesMs) / median(ours);
  const bg = theirs.bgNbd.params;
  const gg = {
    p: theirs.gammaGamma.params.p,
    q: theirs.gammaGamma.params.q,
    gamma: theirs.gammaGamma.params.v,
  };
  const spenders = summary
    .filter((c) => c.x > 0 && c.meanRepeatMinor > 0)
    .map((c) => ({ x: c.x, m: c.meanRepeatMinor / 100 }));
  // Both estimates under the same likelihoods (lifetimes reports its own on rescaled times).
  const theirLogLikelihood = {
    bgNbd: bgNbdTotalLogLikelihood(bg, summary),
    gammaGamma: gammaGammaTotalLogLikelihood(gg, spenders),
  };
  const oursParams = { ...model.bgNbd.params, ...model.gammaGamma!.params };
  const theirParams = { ...bg, ...gg };
  const largestRelativeGap = Math.max(
    ...Object.entries(oursParams).map(([k, v]) =>
      Math.abs(v / theirParams[k as keyof typeof theirParams] - 1),
    ),
  );
  const fmt = (params: Record<string, number>) =>
    Object.entries(params)
      .map(([k, v]) => `${k} ${v.toPrecision(7)}`)
      .join(', ');
  log(
    `clv: this code  ${fmt(oursParams)}; ln L ${model.bgNbd.logLikelihood.toFixed(4)} / ${model.gammaGamma!.logLikelihood.toFixed(4)}`,
  );
  log(
    `clv: lifetimes  ${fmt(theirParams)}; ln L ${theirLogLikelihood.bgNbd.toFixed(4)} / ${theirLogLikelihood.gammaGamma.toFixed(4)}`,
  );
  log(
    `clv: this code ${median(ours).toFixed(1)} ms, lifetimes ${median(lifetimesMs).toFixed(1)} ms ` +
      `(BG/NBD ${median(theirs.bgNbdMs).toFixed(1)} + Gamma-Gamma ${median(theirs.gammaGammaMs).toFixed(1)}): ` +
      `lifetimes / this code = ${ratio.toFixed(1)}; largest parameter gap ${largestRelativeGap.toExponential(1)}`,
  );
  const versions = Object.entries(theirs.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    oursResult(title, ours, model),
    {
      id: 'clv-cdnow-fit-lifetimes',
      title: `Same fit by Python's lifetimes (${versions}) on the same ${theirs.customers.toLocaleString('en')} rows`,
      unit: 'ms',
      samples: lifetimesMs,
      notes: `BetaGeoFitter + GammaGammaFitter, no penalty, one warm process; Python start and imports not counted`,
      details: [
        { params: theirParams, logLikelihood: theirLogLikelihood, spendCustomers: theirs.spendCustomers },
      ],
    },
    {
      id: 'clv-cdnow-lifetimes-ratio',
      title: 'lifetimes time / this code time on the CDNOW master (medians)',
      unit: '×',
      samples: [ratio],
      target: { value: 1, atLeast: true },
      details: [{ largestRelativeParameterGap: largestRelativeGap }],
    },
  ];
}

function oursResult(title: string, ours: number[], model: ClvModel): ScenarioResult {
  return {
    id: 'clv-cdnow-fit',
    title: `${title} (${model.customers.toLocaleString('en')} customers)`,
    unit: 'ms',
    samples: ours,
    details: [
      {
        bgNbd: model.bgNbd,
        gammaGamma: model.gammaGamma,
        repeatCustomers: model.repeatCustomers,
      },
    ],
  };
}

/**
 * The Python of the bench's virtual environment (os.tmpdir()/crm-bench-lifetimes-venv), created and filled
 * with LIFETIMES_PINS on first use and reused after; rejects with the reason when that cannot be done.
 */
async function lifetimesPython(): Promise<string> {
  const venv = join(tmpdir(), 'crm-bench-lifetimes-venv');
  const python = join(venv, 'bin', 'python');
  const ready = join(venv, `.installed-${LIFETIMES_PINS.join('-')}`);
  if (existsSync(ready)) return python;
  const system = await findPython();
  log(`clv: creating ${venv} with ${LIFETIMES_PINS.join(' ')} (once)`);
  await run(system, ['-m', 'venv', venv]).catch((error: Error) => {
    throw new Error(`${system} -m venv failed (${lastLine(error)}); is python3-venv installed?`);
  });
  await run(python, ['-m', 'pip', 'install', '--quiet', ...LIFETIMES_PINS], { timeout: 900_000 }).catch(
    (error: Error) => {
      throw new Error(`pip could not install ${LIFETIMES_PINS.join(' ')}: ${lastLine(error)}`);
    },
  );
  mkdirSync(dirname(ready), { recursive: true });
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return python;
}

async function findPython(): Promise<string> {
  for (const candidate of ['python3', 'python']) {
    const found = await run(candidate, ['--version']).then(
      () => true,
      () => false,
    );
    if (found) return candidate;
  }
  throw new Error('no python3 on PATH');
}

/** bench/scenarios/lifetimes-fit.py, from bench/scenarios (ts-node) or dist/bench/scenarios (built). */
function lifetimesScript(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'bench', 'scenarios', 'lifetimes-fit.py');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('bench/scenarios/lifetimes-fit.py not found');
}

/** The last line a failed command printed (pip and venv put the reason there). */
const lastLine = (error: Error) =>
  String((error as Error & { stderr?: string }).stderr || error.message)
    .trim()
    .split('\n')
    .pop();
const log = (line: string) => process.stderr.write(`  ${line}\n`);
