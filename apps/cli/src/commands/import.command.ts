import type { PurchaseLogParserOptions } from '@crm/analytics';
import { PURCHASE_LOG_FORMATS, type PurchaseLogFormat } from '@crm/analytics';
import { PurchaseLogSourceError } from '@crm/analytics';
import { loadConfig } from '@crm/config';
import { ACQUISITION_CHANNELS, isCurrencyCode, type AcquisitionChannel } from '@crm/domain';
import { EventIngestor } from '@crm/ingest';
import { NestFactory } from '@nestjs/core';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';
import { ImportProgressReporter } from '../import/import-progress.reporter';
import { duration } from '../progress/progress-text';
import { ImportModule } from '../import/import.module';
import {
  ImportRejectedError,
  PurchaseLogImporter,
  type ImportSummary,
} from '../import/purchase-log.importer';
import { importBatches } from '../import/import-batches.source';

const USAGE = `Usage: crm import <file | -> [options]

Turns a purchase log into customer lifecycle events and appends them through the same handler and decider
as POST /v1/events (the write path, @crm/ingest): a customer's first purchase acquires them (CustomerAcquired, then CustomerPurchased),
amounts become integer minor units, and event ids derive from the source name and line number, so running
the same import again appends nothing. Writes to the configured event store (EVENTSTORE_URL, else the
embedded store under DATA_DIR); the relay and projectors pick the events up like any others.

Options:
  --format <f>          cdnow | csv | ndjson (default from the extension: .csv, .ndjson/.jsonl, else cdnow)
  --currency <code>     ISO 4217 currency of lines that give none (csv, ndjson; CDNOW is USD)
  --source-name <name>  names the source in event and order ids (default: the file name; required for -)
  --customer-prefix <p> prepended to every customer id of the file
  --channel <channel>   acquisition channel when a line gives none (default direct): ${ACQUISITION_CHANNELS.join(', ')}
  --batch <n>           events per publish batch (default and maximum: MAX_BATCH_EVENTS)
  --skip-invalid        report unreadable lines on stderr and go on (default: stop at the first)
  --quiet               no progress on stderr
  --json                print the summary as JSON on stdout

Formats:
  cdnow   blank-separated "customer_id [sample_id] YYYYMMDD number_of_cds dollar_value" (CDNOW master or
          sample file; USD; one line item "CD"/"music")
  csv     header row, then one purchase per row. Columns (any order, case-insensitive, unknown ignored):
            customer_id, occurred_at (YYYY-MM-DD or ISO 8601 with a zone), amount (major units, e.g. 19.99)
            or amount_minor (1999), currency, order_id, sales_channel, sku, category, quantity,
            acquisition_channel, campaign, country (ISO 3166-1 alpha-2) - the last three used on a
            customer's first row
  ndjson  one JSON object per line: {"customerId", "occurredAt", "amount" ("19.99" or 19.99) or "amountMinor",
          "currency", "orderId", "channel", "items": [{"sku", "category", "quantity", "unitPrice" or
          "unitPriceMinor"}], "acquisition": {"channel", "campaign", "profile": {"country", ...}}}
  Full description: libs/analytics/src/import/README.md (linked from docs/analytics.md).

Progress (rate, ETA) goes to stderr: redrawn on a terminal, a line every 5 s otherwise. Exit codes: 0 done,
1 failed (unreadable line, a batch refused by the lifecycle rules, store error: earlier batches stay
appended, and running the same import again completes it), 2 usage error.

Examples:
  crm import ../shared/datasets/cdnow/CDNOW_sample.txt
  crm import orders.csv --currency EUR --customer-prefix shop1-
  zcat orders.ndjson.gz | crm import - --format ndjson --source-name orders-2024`;

class UsageError extends Error {}

interface ImportArgs {
  readonly file: string;
  readonly parser: PurchaseLogParserOptions;
  readonly batch?: number;
  readonly quiet: boolean;
  readonly json: boolean;
}

function formatOf(file: string, given: unknown): PurchaseLogFormat {
  if (given !== undefined) {
    if (!(PURCHASE_LOG_FORMATS as readonly unknown[]).includes(given)) {
      throw new UsageError(`--format must be one of ${PURCHASE_LOG_FORMATS.join(', ')}`);
    }
    return given as PurchaseLogFormat;
  }
  const extension = extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  return 'cdnow';
}

function parseArgs(values: Record<string, unknown>, positionals: string[]): ImportArgs {
  if (positionals.length !== 1) throw new UsageError('give exactly one file (or - for standard input)');
  const file = positionals[0];
  const text = (name: string) => values[name] as string | undefined;
  const currency = text('currency')?.toUpperCase();
  if (currency !== undefined && !isCurrencyCode(currency))
    throw new UsageError('--currency must be an ISO 4217 code');
  const channel = text('channel');
  if (channel !== undefined && !(ACQUISITION_CHANNELS as readonly string[]).includes(channel)) {
    throw new UsageError(`--channel must be one of ${ACQUISITION_CHANNELS.join(', ')}`);
  }
  const sourceName = text('source-name');
  if (file === '-' && !sourceName) throw new UsageError('reading standard input needs --source-name');
  const batchText = text('batch');
  const batch = batchText === undefined ? undefined : Number(batchText);
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) {
    throw new UsageError('--batch must be a whole number >= 1');
  }
  return {
    file,
    parser: {
      format: formatOf(file, values.format),
      ...(currency ? { currency } : {}),
      ...(sourceName ? { sourceName } : {}),
      ...(text('customer-prefix') ? { customerIdPrefix: text('customer-prefix') } : {}),
      ...(channel ? { acquisitionChannel: channel as AcquisitionChannel } : {}),
      invalidLines: values['skip-invalid'] ? 'skip' : 'throw',
    },
    batch,
    quiet: values.quiet === true,
    json: values.json === true,
  };
}

export const importCommand: CliCommand = {
  summary: 'Import a purchase log (CDNOW, CSV, NDJSON) as lifecycle events',
  usage: USAGE,
  options: {
    format: { type: 'string' },
    currency: { type: 'string' },
    'source-name': { type: 'string' },
    'customer-prefix': { type: 'string' },
    channel: { type: 'string' },
    batch: { type: 'string' },
    'skip-invalid': { type: 'boolean' },
    quiet: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    let args: ImportArgs;
    try {
      args = parseArgs(values, positionals);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      console.error(`crm import: ${error.message}\n\n${USAGE}`);
      return EXIT.USAGE;
    }
    const config = loadConfig();
    const batchSize = Math.min(args.batch ?? config.MAX_BATCH_EVENTS, config.MAX_BATCH_EVENTS);
    let totalBytes: number | undefined;
    if (args.file !== '-') {
      try {
        totalBytes = (await stat(args.file)).size;
      } catch (error) {
        console.error(`crm import: cannot read ${args.file}: ${(error as Error).message}`);
        return EXIT.FAILURE;
      }
    }
    // No isKnownCustomer: the importer reads each batch's customers once and drops the acquisition of
    // those the store already has (an import onto a live base, or a re-run). Started before the store
    // opens: a file's parse thread loads meanwhile.
    const batches = importBatches(args.file, args.parser, batchSize, (message) =>
      console.error(`crm import: skipped ${message}`),
    );
    const app = await NestFactory.createApplicationContext(ImportModule.forRoot(config), {
      logger: false,
    }).catch(async (error: unknown) => {
      await batches.stop();
      throw error;
    });
    const progress = args.quiet ? undefined : new ImportProgressReporter(process.stderr, totalBytes);
    try {
      const ingestor = app.get(EventIngestor);
      const summary = await new PurchaseLogImporter(ingestor).run(batches, {
        correlationId: `import:${args.parser.sourceName ?? args.file}`,
        onProgress: progress?.update,
      });
      progress?.end();
      console.log(args.json ? JSON.stringify(summary) : describe(args.file, summary));
      return EXIT.OK;
    } catch (error) {
      progress?.end();
      const clean = [ImportRejectedError, PurchaseLogSourceError].some((type) => error instanceof type);
      if (clean || (error as Error).name === 'PurchaseLogLineError') {
        console.error(`crm import: ${(error as Error).message}`);
        return EXIT.FAILURE;
      }
      throw error;
    } finally {
      await batches.stop();
      await app.close();
    }
  },
};

function describe(file: string, s: ImportSummary): string {
  const n = (value: number) => value.toLocaleString('en');
  return (
    `imported ${file}: ${n(s.lines)} lines, ${n(s.events)} events (${n(s.appended)} appended, ` +
    `${n(s.alreadyPresent)} already in the store), ${n(s.customers)} customers ` +
    `(${n(s.acquisitions)} acquired) in ${duration(s.elapsedMs)}`
  );
}
