import { loadConfig } from '@crm/config';
import { createEventStore, EventStoreUnavailableError, WrongExpectedRevisionError } from '@crm/event-store';
import type { EventStore } from '@crm/event-store';
import { EventIngestor } from '@crm/ingest';
import {
  EventStoreSink,
  GeneratedEventsRejectedError,
  generate,
  HttpPublishSink,
  NdjsonSink,
  ndjsonFileSink,
  resolveLifecycleOptions,
  scaledFacts,
  type EventSink,
  type GenerateProgress,
  type GenerateSummary,
  type LifecycleOptionsInput,
} from '@crm/generator';
import { join } from 'node:path';
import type { CliCommand } from '../cli';
import { formatProgress } from '../progress/generate-progress';
import { duration } from '../progress/progress-text';
import { EXIT } from '../exit-codes';

const USAGE = `Usage: crm generate --customers <n> (--out <file> | --publish <url> | --append) [options]

Generates a realistic customer history, deterministic from its seed: acquisitions by channel, campaign and
country, purchases that follow a buy-till-you-die process (heterogeneous rates, dropout, seasonality by
category), contacts of every channel and direction, referral trees, voluntary and involuntary churn and
reactivations; and the facts around them: consents at sign-up and later (marketing goes out only where the
customer consented), preferences, NPS answers after purchases and CSAT after support contacts (detractors
churn more, promoters refer more), complaints after purchases (most resolved, with compensation in the
order's currency; unresolved ones churn more), a cost on every contact, and each campaign's monthly
marketing spend (MarketingSpendRecorded, stream campaign-<campaign>; paid channels cost more per customer).
About 11 events per customer over three years.

Where the events go (exactly one):
  --out <file>          NDJSON, one published event per line (the POST /v1/events shape); "-" for stdout
  --publish <url>       through the API: POST <url>/v1/events in batches (validated, decided, appended)
  --append              straight into the configured event store (EVENTSTORE_URL, else DATA_DIR/events.sqlite),
                        with what the decider emits; refuses to write onto customers the store already has

Options:
  --customers <n>       population size (required)
  --seed <n|text>       random seed (default 1): the same seed and options give the same events, ids included
  --from <date>         start of the window, YYYY-MM-DD or ISO 8601 date-time (default 2023-01-01)
  --to <date>           end of the window, exclusive (default 2026-01-01)
  --id-prefix <text>    customer ids are <prefix>1..<prefix>N (default "c-"); a new prefix adds a population
  --feedback <x>        NPS and CSAT answers at x times the default rates (0: none)
  --complaints <x>      complaints at x times the default rate (0: none)
  --consent-changes <x> consent grants and withdrawals after sign-up at x times the default rate (0: none)
  --preferences <x>     customers who state preferences at x times the default share (0: none)
  --no-contact-costs    contacts without a cost (the configured per-channel table then applies)
  --no-marketing-spend  no MarketingSpendRecorded events
  --api-key <key>       with --publish: sent as "Authorization: Bearer <key>"
  --batch-size <n>      with --publish: events per request (default 1000, at most the API's MAX_BATCH_EVENTS)
  --concurrency <n>     with --publish: requests in flight (default 4; a customer's events stay in order)
  --quiet               no progress on stderr
  --json                print the summary as JSON on stdout (not with --out -)

Progress (rate, ETA) goes to stderr. Exit codes: 0 done, 1 failed while writing (file, API or store
error; what was written stays written, and a rerun with the same options completes it), 2 usage error.

Examples:
  crm generate --customers 1000000 --out events.ndjson
  crm generate --customers 5000 --seed 7 --publish http://localhost:3000 --api-key "$CRM_API_KEY"
  DATA_DIR=./data crm generate --customers 100000 --append`;

class UsageError extends Error {}

interface Target {
  readonly sink: EventSink;
  readonly describe: string;
  readonly close?: () => Promise<void>;
  readonly details?: () => Record<string, number>;
}

export const generateCommand: CliCommand = {
  summary: 'Generate realistic customer histories: NDJSON, through the API, or into the store',
  usage: USAGE,
  options: {
    customers: { type: 'string', short: 'n' },
    seed: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'id-prefix': { type: 'string' },
    feedback: { type: 'string' },
    complaints: { type: 'string' },
    'consent-changes': { type: 'string' },
    preferences: { type: 'string' },
    'no-contact-costs': { type: 'boolean' },
    'no-marketing-spend': { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    publish: { type: 'string' },
    'api-key': { type: 'string' },
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    append: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    let options: LifecycleOptionsInput;
    let makeTarget: () => Target;
    try {
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      options = lifecycleOptions(values);
      makeTarget = target(values);
      if (values.json && values.out === '-') throw new UsageError('--json needs stdout: not with --out -');
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof RangeError)) throw error;
      console.error(`crm generate: ${error.message}\nRun "crm generate --help" for the options.`);
      return EXIT.USAGE;
    }

    const destination = makeTarget();
    const progress = values.quiet ? undefined : progressPrinter();
    const controller = new AbortController();
    const interrupt = () => controller.abort(new Error('interrupted (SIGINT)'));
    process.once('SIGINT', interrupt);
    process.stderr.write(`crm generate: ${destination.describe}\n`);
    try {
      const summary = await generate(options, destination.sink, {
        onProgress: progress?.update,
        progressIntervalMs: progress?.intervalMs,
        signal: controller.signal,
      });
      progress?.end();
      report(summary, destination.details?.() ?? {}, values.json === true);
      return EXIT.OK;
    } catch (error) {
      progress?.end();
      console.error(`crm generate: failed: ${explain(error)}`);
      return EXIT.FAILURE;
    } finally {
      process.off('SIGINT', interrupt);
      await destination.close?.().catch(() => undefined);
    }
  },
};

function lifecycleOptions(values: Record<string, unknown>): LifecycleOptionsInput {
  if (values.customers === undefined) throw new UsageError('--customers is required');
  const customers = positiveInteger('customers', values.customers);
  const input: LifecycleOptionsInput = {
    customers,
    ...(values.seed !== undefined ? { seed: String(values.seed) } : {}),
    ...(values.from !== undefined ? { from: isoDate('from', values.from) } : {}),
    ...(values.to !== undefined ? { to: isoDate('to', values.to) } : {}),
    ...(values['id-prefix'] !== undefined ? { customerIdPrefix: String(values['id-prefix']) } : {}),
    ...scaledFacts({
      feedback: factor('feedback', values.feedback),
      complaints: factor('complaints', values.complaints),
      consentChanges: factor('consent-changes', values['consent-changes']),
      preferences: factor('preferences', values.preferences),
      contactCosts: values['no-contact-costs'] !== true,
      marketingSpend: values['no-marketing-spend'] !== true,
    }),
  };
  resolveLifecycleOptions(input); // RangeError naming the bad option, before anything is opened
  return input;
}

/** Checks the destination options now; opens the destination only when called (after all checks passed). */
function target(values: Record<string, unknown>): () => Target {
  const chosen = (['out', 'publish', 'append'] as const).filter((k) => values[k] !== undefined);
  if (chosen.length !== 1)
    throw new UsageError(
      chosen.length === 0
        ? 'say where the events go: --out <file>, --publish <url> or --append'
        : `choose one destination, not ${chosen.map((k) => `--${k}`).join(' and ')}`,
    );
  for (const option of ['api-key', 'batch-size', 'concurrency'])
    if (values[option] !== undefined && values.publish === undefined)
      throw new UsageError(`--${option} goes with --publish`);

  if (values.out !== undefined) {
    const out = String(values.out);
    if (out.length === 0) throw new UsageError('--out needs a file name (or - for stdout)');
    return () =>
      out === '-'
        ? { sink: new NdjsonSink(process.stdout, { endStream: false }), describe: 'NDJSON to stdout' }
        : { sink: ndjsonFileSink(out), describe: `NDJSON to ${out}` };
  }

  if (values.publish !== undefined) {
    const baseUrl = String(values.publish);
    if (!/^https?:\/\/[^/\s]+/.test(baseUrl)) throw new UsageError('--publish needs an http(s):// URL');
    const batchSize =
      values['batch-size'] === undefined ? 1000 : positiveInteger('batch-size', values['batch-size']);
    const concurrency =
      values.concurrency === undefined ? 4 : positiveInteger('concurrency', values.concurrency, 64);
    const apiKey = values['api-key'] === undefined ? undefined : String(values['api-key']);
    if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey))
      throw new UsageError('--api-key must be printable ASCII without spaces');
    return () => {
      const sink = new HttpPublishSink({
        baseUrl,
        batchSize,
        concurrency,
        ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
      });
      return {
        sink,
        describe: `publishing to ${baseUrl}/v1/events, ${batchSize} events/request, ${concurrency} in flight`,
        details: () => ({ requests: sink.requests, retries: sink.retries }),
      };
    };
  }

  return () => {
    const config = loadConfig();
    const store: EventStore = createEventStore({
      eventStoreUrl: config.EVENTSTORE_URL,
      dataDir: config.dataDir,
      durability: config.EVENT_STORE_DURABILITY,
    });
    const sink = new EventStoreSink(
      new EventIngestor(store, {
        maxBatchEvents: config.MAX_BATCH_EVENTS,
        stateCacheSize: config.INGEST_STATE_CACHE_SIZE,
      }),
    );
    return {
      sink,
      describe: `appending to ${config.EVENTSTORE_URL ? 'EventStoreDB' : join(config.dataDir, 'events.sqlite')}`,
      close: () => store.close(),
      details: () => ({ appended: sink.appended, appends: sink.appends }),
    };
  };
}

/** A factor on a default rate: a number >= 0, or undefined when the option is absent. */
function factor(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const x = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(x) || x > 100)
    throw new UsageError(`--${name} must be a factor from 0 to 100 (1 is the default rate), got "${text}"`);
  return x;
}

function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  const text = String(value);
  const n = Number(text.replace(/_/g, ''));
  if (!/^\d[\d_]*$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > max)
    throw new UsageError(
      `--${name} must be a whole number from 1 to ${max.toLocaleString('en')}, got "${text}"`,
    );
  return n;
}

/** YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time with a zone, as an ISO string. */
function isoDate(name: string, value: unknown): string {
  const text = String(value);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if (!(dateOnly || dateTime) || Number.isNaN(ms))
    throw new UsageError(`--${name} must be YYYY-MM-DD or an ISO 8601 date-time with a zone, got "${text}"`);
  return new Date(ms).toISOString();
}

/** A redrawn line on a terminal; a line every 5 s when stderr is a file or a pipe (logs stay readable). */
function progressPrinter() {
  const tty = process.stderr.isTTY === true;
  let drawn = false;
  return {
    intervalMs: tty ? 250 : 5000,
    update(progress: GenerateProgress) {
      const line = formatProgress(progress);
      if (tty) {
        process.stderr.write(`\r${line}\x1b[K`);
        drawn = true;
      } else process.stderr.write(`${line}\n`);
    },
    end() {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}

function report(summary: GenerateSummary, details: Record<string, number>, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...summary, ...details }));
    return;
  }
  const n = (x: number) => x.toLocaleString('en');
  const types = Object.entries(summary.byType)
    .map(([type, count]) => `${type} ${n(count)}`)
    .join(', ');
  const extra = Object.entries(details)
    .map(([key, value]) => `${key} ${n(value)}`)
    .join(', ');
  process.stderr.write(
    `crm generate: ${n(summary.events)} events for ${n(summary.customers)} customers ` +
      `(${summary.from.slice(0, 10)} to ${summary.to.slice(0, 10)}, seed ${summary.seed}) in ` +
      `${duration(summary.elapsedMs)}, ${n(summary.eventsPerSecond)} events/s\n` +
      `  ${types}; ${n(summary.reactivations)} reactivations emitted by the decider${extra ? `; ${extra}` : ''}\n`,
  );
}

function explain(error: unknown): string {
  const taken =
    error instanceof GeneratedEventsRejectedError &&
    error.problems.find((p) => p.code === 'CUSTOMER_ALREADY_ACQUIRED' && p.customerId);
  if (taken)
    return (
      `stream customer-${taken.customerId} already exists in the event store: these customers were generated ` +
      'before. Rerun with the same seed and options to complete that run, or use --id-prefix or another DATA_DIR.'
    );
  if (error instanceof WrongExpectedRevisionError)
    return (
      `stream ${error.streamId} already exists in the event store: these customers were generated before. ` +
      'Rerun with the same seed and options to complete that run, or use --id-prefix or another DATA_DIR.'
    );
  if (error instanceof EventStoreUnavailableError)
    return `${error.message}: ${String((error.cause as Error | undefined)?.message ?? error.cause)}`;
  return error instanceof Error ? error.message : String(error);
}
