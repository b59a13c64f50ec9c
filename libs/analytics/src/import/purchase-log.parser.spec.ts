import { deriveEventId } from '@crm/domain';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  parsePurchaseLog,
  parsePurchaseLogStream,
  type PurchaseLogParserOptions,
  type SourcedEvent,
} from './purchase-log.parser';
import { PurchaseLogLineError, PurchaseLogSourceError } from './purchase-record';

async function parse(text: string, options: Partial<PurchaseLogParserOptions> = {}): Promise<SourcedEvent[]> {
  const out: SourcedEvent[] = [];
  const source = Readable.from([Buffer.from(text, 'utf8')]);
  for await (const e of parsePurchaseLogStream(source, {
    format: 'cdnow',
    sourceName: 'log.txt',
    ...options,
  })) {
    out.push(e);
  }
  return out;
}

// Two lines of CDNOW_sample.txt (CRLF, leading blanks) and one of another customer.
const CDNOW_SAMPLE =
  ' 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n 00021 0002 19970101  3   63.34\r\n';

describe('parsePurchaseLog: CDNOW', () => {
  it("acquires each customer at their first purchase, then records the purchase, in dollars' cents", async () => {
    const events = await parse(CDNOW_SAMPLE);
    expect(events.map((e) => [e.lineNumber, e.event.type, e.event.customerId, e.event.occurredAt])).toEqual([
      [1, 'CustomerAcquired', '00004', '1997-01-01T00:00:00.000Z'],
      [1, 'CustomerPurchased', '00004', '1997-01-01T00:00:00.000Z'],
      [2, 'CustomerPurchased', '00004', '1997-01-18T00:00:00.000Z'],
      [3, 'CustomerAcquired', '00021', '1997-01-01T00:00:00.000Z'],
      [3, 'CustomerPurchased', '00021', '1997-01-01T00:00:00.000Z'],
    ]);
    expect(events[0].event.data).toEqual({ channel: 'direct', profile: {} });
    expect(events[1].event.data).toEqual({
      orderId: 'log.txt:1',
      amount: { minor: 2933, currency: 'USD' },
      // Units and a total only: one line item at the rounded average unit price (2933 / 2 = 1466.5).
      items: [{ sku: 'CD', category: 'music', quantity: 2, unitPrice: { minor: 1467, currency: 'USD' } }],
    });
    expect(events[1].event.metadata).toEqual({ source: 'import', correlationId: 'import:log.txt' });
    expect(events[2].bytesRead).toBe(Buffer.byteLength(CDNOW_SAMPLE.split('\n').slice(0, 2).join('\n')) + 1);
  });

  it('reads the master file (4 columns, a header line) the same way', async () => {
    const events = await parse('customer_id date cds value\n00004 19970101 2 29.33\n');
    expect(events.map((e) => e.event.type)).toEqual(['CustomerAcquired', 'CustomerPurchased']);
    expect(events[1].lineNumber).toBe(2);
  });

  it('takes only the first line for a header: a line further down whose id is not digits is an error', async () => {
    const garbled =
      'Customer_ID Date Number_of_CDs Dollar_Value\n00001 19970101 1 11.77\nnot a purchase line\n';
    await expect(parse(garbled)).rejects.toThrow(
      new PurchaseLogLineError(3, 'customer_id must be digits: not'),
    );
    await expect(parse('00001 19970101 1 11.77\nID DATE CDS DOLLARS\n')).rejects.toThrow(
      PurchaseLogLineError,
    );
    const skipped: PurchaseLogLineError[] = [];
    const events = await parse(garbled, { invalidLines: 'skip', onSkippedLine: (e) => skipped.push(e) });
    expect(events.map((e) => e.lineNumber)).toEqual([2, 2]);
    expect(skipped.map((e) => e.lineNumber)).toEqual([3]);
  });

  it('says a directory is not a purchase log before reading anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-parser-'));
    try {
      const read = async () => {
        for await (const _ of parsePurchaseLog(dir, { format: 'cdnow' })) void _;
      };
      await expect(read()).rejects.toThrow(PurchaseLogSourceError);
      await expect(read()).rejects.toThrow(`cannot read ${dir}: it is a directory`);
      await expect(
        (async () => {
          for await (const _ of parsePurchaseLog(join(dir, 'missing.txt'), { format: 'cdnow' })) void _;
        })(),
      ).rejects.toThrow(`cannot read ${join(dir, 'missing.txt')}: no such file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives the same event ids from the same source and line, and others from another source', async () => {
    const first = await parse(CDNOW_SAMPLE);
    const again = await parse(CDNOW_SAMPLE);
    expect(again.map((e) => e.event.eventId)).toEqual(first.map((e) => e.event.eventId));
    expect(first[1].event.eventId).toBe(deriveEventId('import:log.txt:1', 'purchased'));
    const other = await parse(CDNOW_SAMPLE, { sourceName: 'other.txt' });
    expect(other[1].event.eventId).not.toBe(first[1].event.eventId);
    expect(new Set(first.map((e) => e.event.eventId)).size).toBe(first.length);
  });

  it('does not acquire customers the store already knows, and prefixes ids on request', async () => {
    const events = await parse(CDNOW_SAMPLE, {
      customerIdPrefix: 'cdnow-',
      isKnownCustomer: async (id) => id === 'cdnow-00004',
    });
    expect(events.map((e) => `${e.event.type} ${e.event.customerId}`)).toEqual([
      'CustomerPurchased cdnow-00004',
      'CustomerPurchased cdnow-00004',
      'CustomerAcquired cdnow-00021',
      'CustomerPurchased cdnow-00021',
    ]);
  });

  it('stops at a bad line with its number, or skips it and acquires at the next good line', async () => {
    const text =
      ' 00004 0001 1997-01-01  2   29.33\n 00004 0001 19970118  2   29.735\n 00004 0001 19970120 1 9.99\n';
    await expect(parse(text)).rejects.toThrow(
      new PurchaseLogLineError(1, 'date must be YYYYMMDD: 1997-01-01'),
    );
    const skipped: PurchaseLogLineError[] = [];
    const events = await parse(text, { invalidLines: 'skip', onSkippedLine: (e) => skipped.push(e) });
    expect(skipped.map((e) => e.lineNumber)).toEqual([1, 2]);
    expect(skipped[1].reason).toMatch(/more decimals than USD/);
    expect(events.map((e) => [e.lineNumber, e.event.type])).toEqual([
      [3, 'CustomerAcquired'],
      [3, 'CustomerPurchased'],
    ]);
  });
});

describe('parsePurchaseLog: CSV', () => {
  it('maps the documented columns, ignores unknown ones and converts decimal amounts exactly', async () => {
    const csv = [
      'Customer_ID,occurred_at,amount,currency,order_id,sku,category,quantity,acquisition_channel,campaign,country,note',
      'c1,2024-03-01T10:15:00+01:00,19.99,EUR,o-1,BK-1,books,2,paid_search,spring,de,"hello, ""world"""',
      'c1,2024-03-02,0.1,EUR,o-2,,,,,,,',
      'c2,2024-03-02,1500,JPY,,,,,,,,',
    ].join('\n');
    const events = (await parse(csv, { format: 'csv' })).map((e) => e.event);
    expect(events.map((e) => e.type)).toEqual([
      'CustomerAcquired',
      'CustomerPurchased',
      'CustomerPurchased',
      'CustomerAcquired',
      'CustomerPurchased',
    ]);
    expect(events[0]).toMatchObject({
      occurredAt: '2024-03-01T09:15:00.000Z',
      data: { channel: 'paid_search', campaign: 'spring', profile: { country: 'DE' } },
    });
    expect(events[1].data).toEqual({
      orderId: 'o-1',
      amount: { minor: 1999, currency: 'EUR' },
      items: [{ sku: 'BK-1', category: 'books', quantity: 2, unitPrice: { minor: 1000, currency: 'EUR' } }],
    });
    expect(events[2].data).toEqual({ orderId: 'o-2', amount: { minor: 10, currency: 'EUR' } });
    expect(events[4].data).toEqual({ orderId: 'log.txt:4', amount: { minor: 1500, currency: 'JPY' } }); // yen have no minor unit
  });

  it('takes the currency from --currency when there is no column, and needs one from somewhere', async () => {
    const csv = 'customer_id,occurred_at,amount_minor\nc1,2024-03-01,2599\n';
    const events = await parse(csv, { format: 'csv', currency: 'GBP' });
    expect(events[1].event.data).toMatchObject({ amount: { minor: 2599, currency: 'GBP' } });
    await expect(parse(csv, { format: 'csv' })).rejects.toThrow(/line 2: currency is missing/);
    await expect(parse('customer_id,amount\n', { format: 'csv' })).rejects.toThrow(/no occurred_at column/);
  });

  it('refuses a local time without a zone and an impossible date', async () => {
    const head = 'customer_id,occurred_at,amount,currency\n';
    await expect(parse(`${head}c1,2024-03-01T10:00:00,1,EUR\n`, { format: 'csv' })).rejects.toThrow(
      /with a zone/,
    );
    await expect(parse(`${head}c1,2024-02-30,1,EUR\n`, { format: 'csv' })).rejects.toThrow(
      /not a valid date/,
    );
  });
});

describe('parsePurchaseLog: NDJSON', () => {
  it('reads one purchase per line, amounts in major or minor units', async () => {
    const ndjson = [
      JSON.stringify({
        customerId: 'c1',
        occurredAt: '2024-05-01T12:00:00Z',
        amount: 25.99,
        currency: 'EUR',
        orderId: 'o-1',
        channel: 'web',
        items: [{ sku: 'S1', category: 'shoes', quantity: 1, unitPrice: '25.99' }],
        acquisition: { channel: 'referral', campaign: 'friends', profile: { country: 'FR' } },
      }),
      '',
      JSON.stringify({ customerId: 'c1', occurredAt: '2024-05-03', amountMinor: 500, currency: 'EUR' }),
    ].join('\n');
    const events = (await parse(ndjson, { format: 'ndjson' })).map((e) => e.event);
    expect(events.map((e) => e.type)).toEqual(['CustomerAcquired', 'CustomerPurchased', 'CustomerPurchased']);
    expect(events[0].data).toEqual({ channel: 'referral', campaign: 'friends', profile: { country: 'FR' } });
    expect(events[1].data).toEqual({
      orderId: 'o-1',
      amount: { minor: 2599, currency: 'EUR' },
      channel: 'web',
      items: [{ sku: 'S1', category: 'shoes', quantity: 1, unitPrice: { minor: 2599, currency: 'EUR' } }],
    });
    expect(events[2].data).toEqual({ orderId: 'log.txt:3', amount: { minor: 500, currency: 'EUR' } });
  });

  it('names what is wrong with a line', async () => {
    await expect(parse('{"customerId":"c1"}\n', { format: 'ndjson' })).rejects.toThrow(
      /line 1: occurredAt is missing/,
    );
    await expect(parse('[1]\n', { format: 'ndjson' })).rejects.toThrow(/not a JSON object/);
    const negative = '{"customerId":"c1","occurredAt":"2024-01-01","amountMinor":-5,"currency":"EUR"}\n';
    await expect(parse(negative, { format: 'ndjson' })).rejects.toThrow(/non-negative integer/);
  });
});
