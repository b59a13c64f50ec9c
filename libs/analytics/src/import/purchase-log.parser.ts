import {
  ACQUISITION_CHANNELS,
  deriveEventId,
  isCurrencyCode,
  isMinorUnits,
  type AcquisitionChannel,
  type CustomerAcquiredData,
  type CustomerPurchasedData,
} from '@crm/domain';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { readLines } from './line-reader';
import { lineFormat, type PurchaseLogFormat } from './purchase-log.formats';
import { PurchaseLogLineError, PurchaseLogSourceError, type PurchaseRecord } from './purchase-record';

export interface ImportMetadata {
  readonly source: 'import';
  /** `import:<source name>`: every event of one file shares it. */
  readonly correlationId: string;
}

/** An event in the shape of the publish contract (`POST /v1/events`), ready for the normal append path. */
export type ImportedEvent =
  | {
      readonly eventId: string;
      readonly type: 'CustomerAcquired';
      readonly customerId: string;
      readonly occurredAt: string;
      readonly data: CustomerAcquiredData;
      readonly metadata: ImportMetadata;
    }
  | {
      readonly eventId: string;
      readonly type: 'CustomerPurchased';
      readonly customerId: string;
      readonly occurredAt: string;
      readonly data: CustomerPurchasedData;
      readonly metadata: ImportMetadata;
    };

/** An event with where it came from: its line, and how far into the source that line ends (for progress). */
export interface SourcedEvent {
  readonly lineNumber: number;
  readonly bytesRead: number;
  readonly event: ImportedEvent;
}

export interface PurchaseLogParserOptions {
  readonly format: PurchaseLogFormat;
  /**
   * Names the source in event ids and order ids (default: the file's base name). Ids are UUID v5 of
   * source name + line number, so importing the same file again yields the same ids and appends nothing.
   */
  readonly sourceName?: string;
  /** Prepended to every customer id of the file (default none). */
  readonly customerIdPrefix?: string;
  /** Acquisition channel when the line gives none. Default `direct` (a purchase log rarely says). */
  readonly acquisitionChannel?: AcquisitionChannel;
  /** Currency when the line gives none (csv, ndjson). */
  readonly currency?: string;
  /** Customers already in the store: their first line here is a purchase only, not an acquisition. */
  readonly isKnownCustomer?: (customerId: string) => boolean | Promise<boolean>;
  /** 'throw' (default): stop at the first bad line. 'skip': report it through onSkippedLine and go on. */
  readonly invalidLines?: 'throw' | 'skip';
  readonly onSkippedLine?: (error: PurchaseLogLineError) => void;
}

/**
 * Streams a purchase log file as publishable events (acquisition before each customer's first purchase).
 * A path that is not a readable file fails with a PurchaseLogSourceError saying why, before any event.
 */
export async function* parsePurchaseLog(
  path: string,
  options: PurchaseLogParserOptions,
): AsyncGenerator<SourcedEvent> {
  await checkReadableFile(path);
  yield* parsePurchaseLogStream(createReadStream(path), {
    ...options,
    sourceName: options.sourceName ?? basename(path),
  });
}

/** Same as parsePurchaseLog, from any byte stream (stdin, an upload). `sourceName` is then required. */
export async function* parsePurchaseLogStream(
  source: Readable,
  options: PurchaseLogParserOptions,
): AsyncGenerator<SourcedEvent> {
  const sourceName = options.sourceName;
  if (!sourceName) throw new TypeError('sourceName is required to derive stable event ids');
  if (options.currency !== undefined && !isCurrencyCode(options.currency)) {
    throw new RangeError(`currency ${options.currency} is not an ISO 4217 code`);
  }
  const format = lineFormat(options.format, { currency: options.currency });
  const seen = new Set<string>();
  const metadata: ImportMetadata = { source: 'import', correlationId: `import:${sourceName}` };

  for await (const line of readLines(source)) {
    let events: ImportedEvent[] = [];
    try {
      const record = format.read(line.text, line.lineNumber);
      if (record) {
        const customerId = `${options.customerIdPrefix ?? ''}${record.customerId}`;
        const acquire = !seen.has(customerId) && !(await options.isKnownCustomer?.(customerId));
        events = toEvents(record, {
          customerId,
          acquire,
          sourceName,
          lineNumber: line.lineNumber,
          metadata,
          options,
        });
        // Only once the line is good: a customer whose first line was skipped is acquired by the next one.
        seen.add(customerId);
      }
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      const lineError = new PurchaseLogLineError(line.lineNumber, error.message);
      if (options.invalidLines !== 'skip') throw lineError;
      options.onSkippedLine?.(lineError);
    }
    for (const event of events) yield { lineNumber: line.lineNumber, bytesRead: line.bytesRead, event };
  }
}

async function checkReadableFile(path: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PurchaseLogSourceError(path, code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  if (isDirectory) throw new PurchaseLogSourceError(path, 'it is a directory; give a file (or - for stdin)');
}

function toEvents(
  record: PurchaseRecord,
  context: {
    customerId: string;
    acquire: boolean;
    sourceName: string;
    lineNumber: number;
    metadata: ImportMetadata;
    options: PurchaseLogParserOptions;
  },
): ImportedEvent[] {
  const { customerId, sourceName, lineNumber, metadata, options } = context;
  if (customerId.trim() === '') throw new RangeError('customer id is empty');
  if (!isCurrencyCode(record.currency))
    throw new RangeError(`currency ${record.currency} is not an ISO 4217 code`);
  if (!isMinorUnits(record.minor))
    throw new RangeError(`amount ${record.minor} (minor units) is out of range`);
  const origin = `import:${sourceName}:${lineNumber}`;
  const events: ImportedEvent[] = [];
  if (context.acquire) {
    const channel = record.acquisition?.channel ?? options.acquisitionChannel ?? 'direct';
    if (!(ACQUISITION_CHANNELS as readonly string[]).includes(channel)) {
      throw new RangeError(`acquisition channel ${channel} is not one of ${ACQUISITION_CHANNELS.join(', ')}`);
    }
    const country = record.acquisition?.profile?.country;
    if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
      throw new RangeError(`country ${country} is not an ISO 3166-1 alpha-2 code`);
    }
    events.push({
      eventId: deriveEventId(origin, 'acquired'),
      type: 'CustomerAcquired',
      customerId,
      occurredAt: record.occurredAt,
      data: {
        channel: channel as AcquisitionChannel,
        ...(record.acquisition?.campaign ? { campaign: record.acquisition.campaign } : {}),
        profile: record.acquisition?.profile ?? {},
      },
      metadata,
    });
  }
  events.push({
    eventId: deriveEventId(origin, 'purchased'),
    type: 'CustomerPurchased',
    customerId,
    occurredAt: record.occurredAt,
    data: {
      orderId: record.orderId ?? `${sourceName}:${lineNumber}`,
      amount: { minor: record.minor, currency: record.currency },
      ...(record.salesChannel ? { channel: record.salesChannel } : {}),
      ...(record.items?.length ? { items: record.items } : {}),
    },
    metadata,
  });
  return events;
}
