import { generate, ndjsonFileSink, NdjsonSink } from '@crm/generator';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Generates a population to NDJSON and prints a JSON summary with the peak RSS of this process:
 *   node dist/bench/generate-ndjson.js --customers 1000000 --seed 1 --out /tmp/events.ndjson
 * (`--out -` writes to stdout and the summary to stderr). The generator scenario of the benchmarks runs it as
 * a child process, so the peak RSS is the generator's alone.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: '/dev/null' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const toStdout = values.out === '-';
  const sink = toStdout ? new NdjsonSink(process.stdout, { endStream: false }) : ndjsonFileSink(values.out);
  const summary = await generate({ customers: Number(values.customers), seed: values.seed }, sink, {
    progressIntervalMs: 5000,
    onProgress: values.quiet
      ? undefined
      : (p) =>
          process.stderr.write(
            `  ${p.eventsWritten.toLocaleString('en')} events, ${p.customersDone.toLocaleString('en')}/` +
              `${p.customersTotal.toLocaleString('en')} customers, at ${p.simulatedTime.slice(0, 10)}, ` +
              `${Math.round(p.elapsedMs / 1000)} s\n`,
          ),
  });
  const report = {
    ...summary,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    fileBytes: toStdout || values.out === '/dev/null' ? undefined : statSync(values.out).size,
  };
  (toStdout ? process.stderr : process.stdout).write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
