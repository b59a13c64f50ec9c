import type { CustomerProfile, LineItem } from '@crm/domain';
import { decimalToMinor } from '../currency-units';
import { toUtcInstant, type PurchaseRecord } from './purchase-record';

/**
 * The line formats of `crm import` (documented in README.md beside this file):
 * - cdnow   CDNOW logs: `customer_id date(YYYYMMDD) number_of_cds dollar_value` (master file, one header
 *           line) or `customer_id sample_id date number_of_cds dollar_value` (sample file), blank-separated.
 * - csv     header row, then one purchase per row (columns in CSV_COLUMNS).
 * - ndjson  one JSON object per line (fields in the docs).
 */
export type PurchaseLogFormat = 'cdnow' | 'csv' | 'ndjson';
export const PURCHASE_LOG_FORMATS: readonly PurchaseLogFormat[] = ['cdnow', 'csv', 'ndjson'];

/**
 * Reads one line (1-based `lineNumber`); null for lines that carry no purchase (a header, blanks). Throws
 * RangeError when invalid.
 */
export interface LineFormat {
  read(text: string, lineNumber: number): PurchaseRecord | null;
}

export function lineFormat(format: PurchaseLogFormat, defaults: { currency?: string }): LineFormat {
  switch (format) {
    case 'cdnow':
      return { read: readCdnowLine };
    case 'csv':
      return new CsvFormat(defaults.currency);
    case 'ndjson':
      return { read: (text) => readNdjsonLine(text, defaults.currency) };
  }
}

/**
 * CDNOW: every purchase in USD; ids keep their leading zeros (the master file's ids, also in the sample).
 * Only the first line may be a header (the master file's); a line further down whose id is not digits is an
 * error, not a header to skip, or a garbled file would import as "1 line" and succeed.
 */
export function readCdnowLine(text: string, lineNumber: number): PurchaseRecord | null {
  const fields = text.trim().split(/\s+/);
  if (fields.length === 1 && fields[0] === '') return null;
  if (!/^\d+$/.test(fields[0])) {
    if (lineNumber === 1) return null;
    throw new RangeError(`customer_id must be digits: ${fields[0].slice(0, 40)}`);
  }
  if (fields.length !== 4 && fields.length !== 5) {
    throw new RangeError(`expected 4 (master) or 5 (sample) columns, got ${fields.length}`);
  }
  const [customerId, date, cds, dollars] = fields.length === 4 ? fields : [fields[0], ...fields.slice(2)];
  const ymd = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  if (!ymd) throw new RangeError(`date must be YYYYMMDD: ${date}`);
  if (!/^\d+$/.test(cds)) throw new RangeError(`number_of_cds must be a whole number: ${cds}`);
  const minor = decimalToMinor(dollars, 'USD');
  const quantity = Number(cds);
  return {
    customerId,
    occurredAt: toUtcInstant(`${ymd[1]}-${ymd[2]}-${ymd[3]}`),
    minor,
    currency: 'USD',
    // The log gives units and a total, not prices: one line item at the average unit price (rounded).
    items:
      quantity > 0
        ? [
            {
              sku: 'CD',
              category: 'music',
              quantity,
              unitPrice: { minor: Math.round(minor / quantity), currency: 'USD' },
            },
          ]
        : undefined,
  };
}

export const CSV_COLUMNS = [
  'customer_id',
  'occurred_at',
  'amount',
  'amount_minor',
  'currency',
  'order_id',
  'sales_channel',
  'sku',
  'category',
  'quantity',
  'acquisition_channel',
  'campaign',
  'country',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

/** One CSV record on one line (RFC 4180 quoting with "" escapes; quoted line breaks are not supported). */
export function splitCsvLine(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) throw new RangeError('unterminated quoted field');
  fields.push(field);
  return fields.map((f) => f.trim());
}

class CsvFormat implements LineFormat {
  private columns?: (CsvColumn | undefined)[];

  constructor(private readonly defaultCurrency?: string) {}

  read(text: string): PurchaseRecord | null {
    if (text.trim() === '') return null;
    const fields = splitCsvLine(text);
    if (!this.columns) {
      this.columns = fields.map((name) => {
        const column = name.toLowerCase() as CsvColumn;
        return CSV_COLUMNS.includes(column) ? column : undefined;
      });
      for (const required of ['customer_id', 'occurred_at'] as const) {
        if (!this.columns.includes(required)) throw new RangeError(`the header has no ${required} column`);
      }
      if (!this.columns.includes('amount') && !this.columns.includes('amount_minor')) {
        throw new RangeError('the header needs an amount or an amount_minor column');
      }
      return null;
    }
    const row: Partial<Record<CsvColumn, string>> = {};
    this.columns.forEach((column, i) => {
      if (column && fields[i] !== undefined && fields[i] !== '') row[column] = fields[i];
    });
    const currency = row.currency ?? this.defaultCurrency;
    if (!currency) throw new RangeError('currency is missing (no currency column and no default currency)');
    const minor = row.amount_minor !== undefined ? wholeNumber('amount_minor', row.amount_minor) : undefined;
    const amount = minor ?? decimalToMinor(required(row, 'amount'), currency);
    const quantity = row.quantity !== undefined ? wholeNumber('quantity', row.quantity) : 1;
    const items: LineItem[] | undefined =
      row.sku || row.category
        ? [
            {
              sku: row.sku ?? row.category ?? 'item',
              category: row.category ?? 'uncategorized',
              quantity,
              unitPrice: { minor: quantity > 0 ? Math.round(amount / quantity) : amount, currency },
            },
          ]
        : undefined;
    return {
      customerId: required(row, 'customer_id'),
      occurredAt: toUtcInstant(required(row, 'occurred_at')),
      minor: amount,
      currency,
      orderId: row.order_id,
      salesChannel: row.sales_channel,
      items,
      acquisition: {
        channel: row.acquisition_channel,
        campaign: row.campaign,
        profile: row.country ? { country: row.country.toUpperCase() } : undefined,
      },
    };
  }
}

function required(row: Partial<Record<CsvColumn, string>>, column: CsvColumn): string {
  const value = row[column];
  if (value === undefined) throw new RangeError(`${column} is empty`);
  return value;
}

function wholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new RangeError(`${name} must be a whole number: ${value}`);
  }
  return Number(value);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A major-unit amount as a JSON string ("25.99") or number (25.99, read through its shortest decimal form). */
function majorToMinor(name: string, value: unknown, currency: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return decimalToMinor(String(value), currency);
  if (typeof value === 'string') return decimalToMinor(value, currency);
  throw new RangeError(`${name} must be a decimal amount`);
}

function optionalText(line: Json, name: string): string | undefined {
  const value = line[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RangeError(`${name} must be a string`);
  return value;
}

export function readNdjsonLine(text: string, defaultCurrency?: string): PurchaseRecord | null {
  if (text.trim() === '') return null;
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    throw new RangeError('not a JSON object');
  }
  if (!isObject(line)) throw new RangeError('not a JSON object');
  const customerId = optionalText(line, 'customerId');
  const occurredAt = optionalText(line, 'occurredAt');
  if (!customerId) throw new RangeError('customerId is missing');
  if (!occurredAt) throw new RangeError('occurredAt is missing');
  const currency = optionalText(line, 'currency') ?? defaultCurrency;
  if (!currency) throw new RangeError('currency is missing');
  let minor: number;
  if (line.amountMinor !== undefined) {
    if (
      typeof line.amountMinor !== 'number' ||
      !Number.isSafeInteger(line.amountMinor) ||
      line.amountMinor < 0
    ) {
      throw new RangeError('amountMinor must be a non-negative integer');
    }
    minor = line.amountMinor;
  } else minor = majorToMinor('amount', line.amount, currency);
  const items =
    line.items === undefined
      ? undefined
      : Array.isArray(line.items)
        ? line.items.map((item, i) => ndjsonItem(item, i, currency))
        : (() => {
            throw new RangeError('items must be an array');
          })();
  const acquisition = isObject(line.acquisition) ? line.acquisition : {};
  return {
    customerId,
    occurredAt: toUtcInstant(occurredAt),
    minor,
    currency,
    orderId: optionalText(line, 'orderId'),
    salesChannel: optionalText(line, 'channel'),
    items,
    acquisition: {
      channel: optionalText(acquisition, 'channel'),
      campaign: optionalText(acquisition, 'campaign'),
      profile: isObject(acquisition.profile) ? (acquisition.profile as CustomerProfile) : undefined,
    },
  };
}

function ndjsonItem(item: unknown, i: number, currency: string): LineItem {
  if (!isObject(item)) throw new RangeError(`items[${i}] must be an object`);
  const quantity = item.quantity ?? 1;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
    throw new RangeError(`items[${i}].quantity must be a whole number >= 1`);
  }
  const unitMinor =
    item.unitPriceMinor !== undefined
      ? Number(item.unitPriceMinor)
      : majorToMinor(`items[${i}].unitPrice`, item.unitPrice, currency);
  if (!Number.isSafeInteger(unitMinor) || unitMinor < 0) {
    throw new RangeError(`items[${i}].unitPriceMinor must be a non-negative integer`);
  }
  return {
    sku: optionalText(item, 'sku') ?? 'item',
    category: optionalText(item, 'category') ?? 'uncategorized',
    quantity,
    unitPrice: { minor: unitMinor, currency },
  };
}
