import { createHash } from 'node:crypto';

const NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'); // RFC 4122 URL namespace

/**
 * A UUID v5 derived from another event id, for events the decider emits on its own (CustomerReactivated):
 * a retried purchase derives the same id, so the retry stays idempotent.
 */
export function deriveEventId(fromEventId: string, purpose: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${fromEventId}/${purpose}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
