import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BENCH_USAGE, type BenchOptions, parseBenchOptions } from './bench-options';
import type { Scenario, ScenarioResult } from './bench-result';
import { summarize, verdict } from './bench-result';
import { machineInfo } from './machine-info';
import { resultsTable } from './report.table';
import { analyticsScenario } from './scenarios/analytics.scenario';
import { analyticsFoldScenario } from './scenarios/analytics-fold.scenario';
import { catchupScenario } from './scenarios/catchup.scenario';
import { appendScenario } from './scenarios/append.scenario';
import { durableAppendScenario } from './scenarios/durable-append.scenario';
import { clvLifetimesScenario } from './scenarios/clv-lifetimes.scenario';
import { customer360Scenario } from './scenarios/customer-360.scenario';
import { generateScenario } from './scenarios/generate.scenario';
import { httpIngestScenario } from './scenarios/http-ingest.scenario';
import { importScenario } from './scenarios/import.scenario';
import { ingestBreakdownScenario } from './scenarios/ingest-breakdown.scenario';
import { kafkaIngestScenario } from './scenarios/kafka-ingest.scenario';
import { pipelineLagScenario } from './scenarios/pipeline-lag.scenario';
import { rebuildScenario } from './scenarios/rebuild.scenario';

/**
 * `npm run bench -- [--only append,lag,...] [--runs 3] [...]`: runs the scenarios, prints a table and writes
 * bench/results/<timestamp>.json. Never part of `npm test`: figures depend on the machine.
 */
async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${BENCH_USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(BENCH_USAGE);
    return;
  }
  const scenarios: Scenario[] = [
    appendScenario(options),
    durableAppendScenario(options),
    httpIngestScenario(options),
    ingestBreakdownScenario(options),
    importScenario(options),
    generateScenario(options),
    pipelineLagScenario(options),
    rebuildScenario(options),
    customer360Scenario(options),
    analyticsScenario(options),
    analyticsFoldScenario(options),
    kafkaIngestScenario(options),
    clvLifetimesScenario(options),
    catchupScenario(options),
  ];
  const unknown = options.only.filter((group) => !scenarios.some((s) => s.group === group));
  if (unknown.length > 0) {
    console.error(`unknown scenario group(s): ${unknown.join(', ')}\n\n${BENCH_USAGE}`);
    process.exit(2);
  }
  const selected =
    options.only.length === 0 ? scenarios : scenarios.filter((s) => options.only.includes(s.group));

  Logger.overrideLogger(['error', 'warn']); // the apps' start-up lines would break up the progress output
  const root = repoRoot();
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    process.stderr.write(`${scenario.group}...\n`);
    results.push(...(await scenario.run()));
  }

  console.log(`\n${resultsTable(results)}\n`);
  const notes = results.filter((r) => r.notes && r.samples.length > 0);
  if (notes.length > 0) console.log(`${notes.map((r) => `  ${r.title}: ${r.notes}`).join('\n')}\n`);
  const outDir = resolve(options.outDir ?? join(root, 'bench', 'results'));
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const document = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: machineInfo(root),
    parameters: options,
    results: results.map((r) => ({ ...r, summary: summarize(r.samples), verdict: verdict(r) })),
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`results: ${file}`);
}

/** The repository root: the nearest folder up from here with package.json (works from bench/ and dist/bench/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || basename(dir) === 'dist') {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
