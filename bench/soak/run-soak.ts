import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LatencyRecorder, REQUEST_KINDS } from './latency.recorder';
import { SoakLoad } from './soak-load';
import { SoakSampler } from './soak-sampler';
import { parseSoakOptions } from './soak.options';
import { judge, type SoakCheck } from './soak.verdict';
import { startSoakServer } from './soak-server';

/**
 * `npm run soak [-- --minutes N ...]`: the bounded soak of issue 7. Starts `crm serve` on loopback with a
 * fresh DATA_DIR, drives writes, Customer 360 reads and analytics at a fixed offered rate for a fixed time,
 * samples memory and pipeline lag, then judges "no leak" and "no growing lag". Exit code 1 if a check fails.
 */
async function main(): Promise<number> {
  const options = parseSoakOptions(process.argv.slice(2));
  const startedAt = new Date();
  const server = await startSoakServer(options.port, options.keepDataDir);
  log(`crm serve pid ${server.pid} at ${server.baseUrl}, DATA_DIR ${server.dataDir}`);
  log(
    `offered: ${options.writeRate} events/s in batches of ${options.batchSize} on ${options.lanes} lanes, ` +
      `${options.readRate} Customer 360 reads/s, RFM + LTV every ${options.analyticsEverySeconds} s, ` +
      `for ${options.minutes} min`,
  );
  const recorder = new LatencyRecorder();
  const load = new SoakLoad(options, server.baseUrl, server.apiKey, recorder);
  const sampler = new SoakSampler(server.baseUrl, server.apiKey, server.pid);
  const t0 = performance.now();
  const elapsedS = () => (performance.now() - t0) / 1000;
  let drained: { lagEvents: Record<string, number>; afterS: number } | null = null;
  let loadS = 0;
  let samplingFailure: string | undefined;
  try {
    await sampler.sample(0, recorder, load.counters);
    load.start();
    const endS = options.minutes * 60;
    for (let next = options.sampleEverySeconds; next <= endS + 1e-9; next += options.sampleEverySeconds) {
      await sleep(Math.max(0, (next - elapsedS()) * 1000));
      const s = await sampler.sample(elapsedS(), recorder, load.counters);
      log(
        `t=${s.atS}s rss ${s.rssMiB} MiB heap ${s.heapUsedMiB} MiB loop p99 ${s.eventLoopLagP99Ms} ms lag ${JSON.stringify(s.lagEvents)} ` +
          `accepted ${s.eventsAccepted} ` +
          REQUEST_KINDS.filter((k) => s.window[k])
            .map((k) => `${k} p50/p99 ${s.window[k]!.p50}/${s.window[k]!.p99} ms`)
            .join(', '),
      );
    }
    await load.stop();
    loadS = elapsedS();
    drained = await waitDrained(sampler, options.drainSeconds);
    // One last memory sample after the drain, reported but not part of the trend (the load is off).
    await sampler.sample(elapsedS(), recorder, load.counters);
  } catch (error) {
    samplingFailure = error instanceof Error ? error.message : String(error);
    await load.stop();
  } finally {
    const code = await server.stop();
    log(`crm serve exited with ${code}`);
  }

  const kinds = recorder.summary();
  const requests = Object.values(kinds).reduce((n, k) => n + k.requests, 0);
  const errors = Object.values(kinds).reduce((n, k) => n + k.errors, 0);
  // The last sample is taken after the drain, with the load off: reported, not part of the trend.
  const trendSamples = sampler.samples.slice(0, sampler.samples.length - 1);
  const { figures, checks } = judge(options, trendSamples, drained, errors, requests);
  const c = load.counters;
  checks.push({
    name: 'offered load delivered',
    ok:
      c.batchesShedAfterWarmup === 0 &&
      c.readsShedAfterWarmup === 0 &&
      c.eventsRejected === 0 &&
      !c.generatorExhausted,
    detail:
      `${c.eventsAccepted} of ${c.eventsOffered} events accepted, ${c.eventsRejected} rejected; shed ` +
      `${c.batchesShed} batches, ${c.readsShed} reads (after warm-up ${c.batchesShedAfterWarmup}, ` +
      `${c.readsShedAfterWarmup})` +
      (c.generatorExhausted ? ', generator ran dry' : ''),
  });
  if (samplingFailure) checks.push({ name: 'soak ran to the end', ok: false, detail: samplingFailure });

  const result = {
    kind: 'soak',
    startedAt: startedAt.toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGiB: round(totalmem() / 2 ** 30),
      loadavg: loadavg(),
    },
    options,
    loadSeconds: round(loadS),
    achieved: {
      eventsPerSecond: round(c.eventsAccepted / loadS),
      customer360PerSecond: round((kinds.customer360?.requests ?? 0) / loadS),
    },
    counters: c,
    kinds,
    figures,
    memory: {
      start: pick(sampler.samples[0]),
      end: pick(sampler.samples.at(-2)),
      afterDrain: pick(sampler.samples.at(-1)),
    },
    drained,
    checks,
    firstError: recorder.firstError,
    samples: sampler.samples,
  };
  const dir = resolve(__dirname, '../../../bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `soak-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));

  printTable(result.kinds, checks);
  log(`memory start/end: ${JSON.stringify(result.memory)}`);
  log(
    `achieved ${result.achieved.eventsPerSecond} events/s, ${result.achieved.customer360PerSecond} reads/s`,
  );
  if (recorder.firstError) log(`first error: ${recorder.firstError}`);
  log(`results: ${file}`);
  return checks.every((check) => check.ok) ? 0 : 1;
}

async function waitDrained(
  sampler: SoakSampler,
  seconds: number,
): Promise<{ lagEvents: Record<string, number>; afterS: number }> {
  const t0 = performance.now();
  for (;;) {
    const stages = await sampler.pipeline();
    const lagEvents = Object.fromEntries(stages.map((s) => [s.name, s.lagEvents]));
    const afterS = round((performance.now() - t0) / 1000);
    if (stages.every((s) => s.lagEvents === 0) || afterS >= seconds) return { lagEvents, afterS };
    await sleep(500);
  }
}

function printTable(kinds: ReturnType<LatencyRecorder['summary']>, checks: readonly SoakCheck[]): void {
  const rows = REQUEST_KINDS.filter((k) => kinds[k]).map((k) => {
    const s = kinds[k]!;
    return {
      kind: k,
      requests: s.requests,
      errors: s.errors,
      'p50 ms': s.latencyMs.p50,
      'p99 ms': s.latencyMs.p99,
      'max ms': s.latencyMs.max,
      statuses: JSON.stringify(s.statuses),
    };
  });
  console.table(rows);
  console.table(checks.map((c) => ({ check: c.name, result: c.ok ? 'ok' : 'FAIL', detail: c.detail })));
}

function pick(s: { rssMiB: number; heapUsedMiB: number; atS: number } | undefined) {
  return s ? { atS: s.atS, rssMiB: s.rssMiB, heapUsedMiB: s.heapUsedMiB } : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 100) / 100;
const log = (line: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
