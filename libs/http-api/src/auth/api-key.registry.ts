import { ApiKeyEntry, ApiScope, RateLimitSetting } from '@crm/config';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashToken, tokenKeyId } from './api-key.hashing';

/** Who is calling: the verified key, as the guard and the rate limiter see it. */
export interface ApiPrincipal {
  readonly keyId: string;
  readonly scopes: ReadonlySet<ApiScope>;
  readonly rateLimit: RateLimitSetting;
}

/** Tokens verified once are remembered (an HMAC per request was a tenth of a Customer 360 read's CPU). */
const VERIFIED_CAPACITY = 1_024;

interface VerifiableKey extends ApiPrincipal {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/**
 * The configured keys, checked in constant time. Several keys may be valid at once (rotation: add the new
 * key, move clients, remove the old one from API_KEYS and restart). A token naming an unknown id still
 * costs one HMAC and one comparison, so timing does not reveal which ids exist. A token that verified is
 * remembered by its exact text, so the HMAC runs once per token, not per request: only a caller who already
 * holds a valid token can reach the faster path, and the keys cannot change without a restart.
 */
export class ApiKeyRegistry {
  private readonly keys = new Map<string, VerifiableKey>();
  private readonly decoy = { salt: randomBytes(16), hash: randomBytes(32) };
  private readonly verified = new Map<string, ApiPrincipal>();

  constructor(entries: readonly ApiKeyEntry[], defaultRateLimit: RateLimitSetting) {
    for (const entry of entries) {
      this.keys.set(entry.id, {
        keyId: entry.id,
        scopes: new Set(entry.scopes),
        rateLimit: entry.rateLimit ?? defaultRateLimit,
        salt: Buffer.from(entry.salt, 'base64url'),
        hash: Buffer.from(entry.hash, 'base64url'),
      });
    }
  }

  get size(): number {
    return this.keys.size;
  }

  verify(token: string): ApiPrincipal | undefined {
    const known = this.verified.get(token);
    if (known) return known;
    const id = tokenKeyId(token);
    const key = id === undefined ? undefined : this.keys.get(id);
    const { salt, hash } = key ?? this.decoy;
    const matches = timingSafeEqual(hashToken(token, salt), hash);
    if (!key || !matches) return undefined;
    const principal: ApiPrincipal = { keyId: key.keyId, scopes: key.scopes, rateLimit: key.rateLimit };
    // Bounded: a flood of distinct valid tokens (there are few keys) cannot grow it without limit.
    if (this.verified.size >= VERIFIED_CAPACITY) this.verified.clear();
    this.verified.set(token, principal);
    return principal;
  }
}
