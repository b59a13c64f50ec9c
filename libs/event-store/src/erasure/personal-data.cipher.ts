import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What an event carries instead of the personal fields: AES-256-GCM ciphertext and the key's id. */
export interface EncryptedPersonalData {
  readonly alg: 'A256GCM';
  readonly keyId: string;
  /** base64: 12-byte nonce, ciphertext of the JSON object of fields, 16-byte tag. */
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/** What decryption yields once the key is gone: the fields are erased, not merely unreadable. */
export const ERASED = Symbol('personal-data-erased');
export type Decrypted = Readonly<Record<string, unknown>> | typeof ERASED;

const ALG = 'aes-256-gcm';
const NONCE_BYTES = 12;

/**
 * AES-256-GCM over a JSON object of personal fields. The additional authenticated data binds a ciphertext
 * to its event id, so it cannot be moved to another event (or customer) unnoticed; a fresh random nonce per
 * event keeps GCM safe under one key.
 */
export function encryptPersonalData(
  fields: Readonly<Record<string, unknown>>,
  key: { keyId: string; key: Buffer },
  eventId: string,
): EncryptedPersonalData {
  const iv = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALG, key.key, iv);
  cipher.setAAD(Buffer.from(eventId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
  return {
    alg: 'A256GCM',
    keyId: key.keyId,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Decrypts with the key, or yields ERASED when there is no key. A wrong key or tampering throws. */
export function decryptPersonalData(
  sealed: EncryptedPersonalData,
  key: Buffer | undefined,
  eventId: string,
): Decrypted {
  if (!key) return ERASED;
  const decipher = createDecipheriv(ALG, key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(eventId, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}

export function isEncryptedPersonalData(value: unknown): value is EncryptedPersonalData {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v.alg === 'A256GCM' &&
    typeof v.keyId === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.ciphertext === 'string' &&
    typeof v.tag === 'string'
  );
}
