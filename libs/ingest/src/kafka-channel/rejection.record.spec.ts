import type { IngestMessage, RejectionReason } from './ingest-message';
import {
  MAX_KEPT_VALUE_BYTES,
  REJECTION_CODE_HEADER,
  toRejectionRecord,
  type RejectionRecord,
} from './rejection.record';

const reason: RejectionReason = {
  code: 'VALIDATION_FAILED',
  message: '1 problem(s); nothing was appended',
  errors: [
    {
      index: 0,
      path: '$.data.amount.minor',
      code: 'INVALID_FIELD',
      message: 'minor must be an integer number',
    },
  ],
};
const message = (value?: Buffer, key?: string): IngestMessage => ({
  topic: 'in',
  partition: 2,
  offset: '41',
  ...(key ? { key } : {}),
  ...(value ? { value } : {}),
  headers: { 'x-correlation-id': 'c-9' },
  timestamp: '1772443542000',
});
const parse = (record: { value: string }) => JSON.parse(record.value) as RejectionRecord;

describe('toRejectionRecord: what the rejections topic carries', () => {
  it('keeps the key, the headers plus the code, the problem without batch indexes, the source and the text', () => {
    const record = toRejectionRecord(message(Buffer.from('{"type":1}'), 'c-1'), reason, new Date(0));
    expect(record.key).toBe('c-1');
    expect(record.headers).toEqual({
      'x-correlation-id': 'c-9',
      [REJECTION_CODE_HEADER]: 'VALIDATION_FAILED',
    });
    expect(parse(record)).toEqual({
      code: 'VALIDATION_FAILED',
      message: '1 problem(s); nothing was appended',
      errors: [
        { path: '$.data.amount.minor', code: 'INVALID_FIELD', message: 'minor must be an integer number' },
      ],
      source: { topic: 'in', partition: 2, offset: '41', key: 'c-1', timestamp: '1772443542000' },
      value: '{"type":1}',
      valueEncoding: 'utf8',
      valueBytes: 10,
      rejectedAt: '1970-01-01T00:00:00.000Z',
    });
  });

  it('sends bytes that are not UTF-8 as base64, and a missing key and value as null', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    expect(parse(toRejectionRecord(message(binary, 'c-1'), reason))).toMatchObject({
      value: binary.toString('base64'),
      valueEncoding: 'base64',
    });
    const empty = toRejectionRecord(message(), reason);
    expect(empty.key).toBeNull();
    expect(parse(empty)).toMatchObject({
      value: null,
      valueEncoding: 'utf8',
      valueBytes: 0,
      source: { key: null },
    });
  });

  it('cuts a value too large to travel back, saying so and how large it was', () => {
    const huge = Buffer.alloc(MAX_KEPT_VALUE_BYTES * 3, 'a');
    const record = parse(toRejectionRecord(message(huge, 'c-1'), reason));
    expect(record.value).toHaveLength(MAX_KEPT_VALUE_BYTES);
    expect(record).toMatchObject({ valueTruncated: true, valueBytes: MAX_KEPT_VALUE_BYTES * 3 });
  });
});
