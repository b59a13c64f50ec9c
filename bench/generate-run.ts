import 'reflect-metadata';
import { createEventStore } from '@crm/event-store';
import type { EventStore } from '@crm/event-store';
import { EventStoreSink, type EventSink, generate, ndjsonFileSink, NdjsonSink } from '@crm/generator';
import { statSync } from 'node:fs';
import { formatProgress } from '../apps/cli/src/progress/generate-progress';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { peakRssBytes } from './support/peak-rss';

/**
 * Generates a population to NDJSON or into an embedded event store and prints a JSON summary with the peak
 * RSS of this process:
 *   node dist/bench/generate-run.js --customers 1000000 --seed 1 --out /tmp/events.ndjson
 *   node dist/bench/generate-run.js --customers 1000000 --append /tmp/store-dir
 * (`--out -` writes to stdout and the summary to stderr). The generator scenario runs it as a child process,
 * so the peak RSS is the generator's alone.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: '/dev/null' },
      append: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const toStdout = values.out === '-';
  let sink: EventSink;
  let store: EventStore | undefined;
  if (values.append) {
    // What `crm generate --append` opens: personal data sealed with per-customer keys, as the API appends.
    store = createEventStore({ dataDir: values.append });
    sink = new EventStoreSink(store);
  } else sink = toStdout ? new NdjsonSink(process.stdout, { endStream: false }) : ndjsonFileSink(values.out);
  try {
    const summary = await generate({ customers: Number(values.customers), seed: values.seed }, sink, {
      progressIntervalMs: 10_000,
      onProgress: values.quiet ? undefined : (p) => process.stderr.write(`  ${formatProgress(p)}\n`),
    });
    const file = values.append ? join(values.append, 'events.sqlite') : values.out;
    const report = {
      ...summary,
      stored: store ? summary.events + summary.reactivations : undefined,
      maxRssBytes: peakRssBytes(),
      fileBytes: toStdout || file === '/dev/null' ? undefined : statSync(file).size,
    };
    (toStdout ? process.stderr : process.stdout).write(`${JSON.stringify(report)}\n`);
  } finally {
    await store?.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
