import { sha1Into } from './sha1.digest';

/** RFC 4122 URL namespace: the first 16 bytes hashed for every derived id. */
const NAMESPACE = [
  0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
];
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();
const digest = new Int32Array(5);
/** Namespace + UTF-8 name + SHA-1 padding; grown when a name does not fit, never shrunk. */
let message = withNamespace(new Uint8Array(256));

/**
 * A UUID v5 derived from another event id, for events the decider emits on its own (CustomerReactivated)
 * and for the ids an import gives its lines: a retried purchase derives the same id, so the retry stays
 * idempotent, and a re-import of the same file appends nothing. The id is
 * SHA-1(namespace ‖ UTF-8 of `${fromEventId}/${purpose}`) with the version and variant bits of RFC 4122
 * §4.3, the same bytes as `createHash('sha1')` gives (stores hold these ids: they must never change).
 * The digest is computed here in TypeScript rather than through node:crypto because an import derives an
 * id per event and the native hash object's set-up cost several times what hashing one block does.
 */
export function deriveEventId(fromEventId: string, purpose: string): string {
  const name = `${fromEventId}/${purpose}`;
  // UTF-8 takes at most 3 bytes per UTF-16 code unit; 72 leaves room for the padding and length.
  if (message.length < 16 + name.length * 3 + 72)
    message = withNamespace(new Uint8Array(16 + name.length * 3 + 72));
  const { written } = encoder.encodeInto(name, message.subarray(16));
  sha1Into(message, 16 + written, digest);
  let id = '';
  for (let i = 0; i < 16; i++) {
    let byte = (digest[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
    if (i === 6) byte = (byte & 0x0f) | 0x50;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    id += HEX[byte];
    if (i === 3 || i === 5 || i === 7 || i === 9) id += '-';
  }
  return id;
}

function withNamespace(buffer: Uint8Array): Uint8Array {
  buffer.set(NAMESPACE, 0);
  return buffer;
}
