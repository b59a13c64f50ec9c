import { createHash, randomInt } from 'node:crypto';
import { deriveEventId } from './event-id';

/** The id as first defined, through node:crypto: stores hold these ids, so they must never change. */
function referenceId(fromEventId: string, purpose: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'))
    .update(`${fromEventId}/${purpose}`)
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const randomText = (length: number) =>
  Array.from({ length }, () => {
    const pick = randomInt(4);
    if (pick === 0) return String.fromCharCode(0x20 + randomInt(0x5f)); // ASCII
    if (pick === 1) return String.fromCharCode(0xa0 + randomInt(0x700)); // 2-byte UTF-8
    if (pick === 2) return String.fromCharCode(0x800 + randomInt(0xd000)); // 3-byte, lone surrogates too
    return String.fromCodePoint(0x10000 + randomInt(0x1000)); // 4-byte
  }).join('');

describe('deriveEventId', () => {
  it.each([
    ['import:CDNOW_master.txt:1', 'acquired', '34b9d120-d7a5-5144-a853-bdfdfa078bb7'],
    ['import:CDNOW_master.txt:69659', 'purchased', '9d943802-2059-50ca-a8ed-7b8ebfacd06f'],
    ['0b8f8a1e-6d3c-4a7e-9a51-3f1d2c4b5a60', 'CustomerReactivated', '6d2c5b43-6325-5714-899e-6de8ad2a8903'],
    ['kundé-€-😀', 'x', '2522e67f-c383-554e-9aba-6b84481520d0'],
    ['', '', 'd15aacfd-62b6-594e-93cf-85baa5e441ec'],
  ])('derives from %j/%j the id stores already hold', (from, purpose, id) => {
    expect(deriveEventId(from, purpose)).toBe(id);
  });

  it('equals the node:crypto definition at every length across the SHA-1 block boundaries', () => {
    // 16 namespace bytes + name: 55/56 and 119/120 bytes are where the padding takes another block.
    for (let length = 0; length <= 300; length++) {
      const from = 'x'.repeat(length);
      expect(deriveEventId(from, 'p')).toBe(referenceId(from, 'p'));
    }
  });

  it('equals the node:crypto definition for random UTF-8 names, short and long, one after another', () => {
    for (let i = 0; i < 2_000; i++) {
      const from = randomText(randomInt(i % 10 === 0 ? 400 : 40));
      const purpose = randomText(randomInt(12));
      expect(deriveEventId(from, purpose)).toBe(referenceId(from, purpose));
    }
  });
});
