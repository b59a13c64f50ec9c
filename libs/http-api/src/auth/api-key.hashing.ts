import { API_KEY_ID_PATTERN, ApiKeyEntry, ApiScope, RateLimitSetting } from '@crm/config';
import { createHmac, randomBytes } from 'node:crypto';

/**
 * Tokens are `crm_<id>_<secret>`: the id (no "_" in it) selects the configured entry, the secret is 32
 * random bytes. The configured hash is HMAC-SHA256 keyed by a per-key salt, not scrypt: a 256-bit random
 * secret cannot be guessed, so a slow KDF adds no protection against a leaked configuration, and it would
 * cost tens of milliseconds of CPU on every request (the API takes thousands of requests a second).
 */
const TOKEN_PREFIX = 'crm_';
const SECRET_BYTES = 32;
const SALT_BYTES = 16;

export function hashToken(token: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(token, 'utf8').digest();
}

/** The id a token claims, or undefined when it is not shaped like one of ours. */
export function tokenKeyId(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const rest = token.slice(TOKEN_PREFIX.length);
  const separator = rest.indexOf('_');
  if (separator <= 0) return undefined;
  const id = rest.slice(0, separator);
  return API_KEY_ID_PATTERN.test(id) && separator < rest.length - 1 ? id : undefined;
}

export interface MintedKey {
  /** Shown once, to whoever minted it; never stored. */
  readonly token: string;
  /** What goes into API_KEYS. */
  readonly entry: ApiKeyEntry;
}

export function mintApiKey(id: string, scopes: readonly ApiScope[], rateLimit?: RateLimitSetting): MintedKey {
  if (!API_KEY_ID_PATTERN.test(id))
    throw new Error(`key id "${id}" must be 1-40 characters of a-z, 0-9, "-"`);
  const token = `${TOKEN_PREFIX}${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  const salt = randomBytes(SALT_BYTES);
  return {
    token,
    entry: {
      id,
      salt: salt.toString('base64url'),
      hash: hashToken(token, salt).toString('base64url'),
      scopes: [...scopes],
      ...(rateLimit ? { rateLimit } : {}),
    },
  };
}
