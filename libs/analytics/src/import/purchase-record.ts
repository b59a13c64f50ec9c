import type { CustomerProfile, LineItem } from '@crm/domain';

/** One purchase read from a log line, before it becomes events. Money in integer minor units. */
export interface PurchaseRecord {
  readonly customerId: string;
  /** ISO 8601 UTC. */
  readonly occurredAt: string;
  readonly minor: number;
  readonly currency: string;
  readonly orderId?: string;
  /** Sales channel of the order (CustomerPurchased.data.channel). */
  readonly salesChannel?: string;
  readonly items?: readonly LineItem[];
  /** Used only if this line is the customer's first: what their CustomerAcquired says. */
  readonly acquisition?: {
    readonly channel?: string;
    readonly campaign?: string;
    readonly profile?: CustomerProfile;
  };
}

/** A line that cannot be read; carries its line number. */
export class PurchaseLogLineError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly reason: string,
  ) {
    super(`line ${lineNumber}: ${reason}`);
    this.name = 'PurchaseLogLineError';
  }
}

/** The source cannot be read as a purchase log at all (a directory, a missing or unreadable file). */
export class PurchaseLogSourceError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'PurchaseLogSourceError';
  }
}

/** Instants already converted: purchase logs repeat a few thousand dates over millions of lines. */
const converted = new Map<string, string>();
const CONVERTED_MAX = 10_000;

/** `YYYY-MM-DD` or a date-time with a zone -> ISO 8601 UTC; anything else throws. */
export function toUtcInstant(value: string): string {
  const known = converted.get(value);
  if (known !== undefined) return known;
  const text = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  if (!dateOnly && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    throw new RangeError(
      `occurred_at must be YYYY-MM-DD or an ISO 8601 date-time with a zone: ${JSON.stringify(value)}`,
    );
  }
  const date = new Date(dateOnly ? `${text}T00:00:00Z` : text);
  const iso = Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  if (iso === undefined || (dateOnly && iso.slice(0, 10) !== text)) {
    throw new RangeError(`not a valid date: ${JSON.stringify(value)}`);
  }
  if (converted.size >= CONVERTED_MAX) converted.clear();
  converted.set(value, iso);
  return iso;
}
