/**
 * The idempotency index's key for an event id: a 52-bit hash (two 32-bit multiplicative hashes of the
 * UTF-16 code units, 20 + 32 bits), exact as a JavaScript number and as an SQLite INTEGER. The index
 * narrows the lookup to (almost always) one row, and the lookup then compares stream and event id, so a
 * collision costs a row read, never a wrong answer. Stored in every row: it must never change.
 */
export function eventKey(eventId: string): number {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < eventId.length; i++) {
    const unit = eventId.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  return (a >>> 12) * 0x1_0000_0000 + (b >>> 0);
}
