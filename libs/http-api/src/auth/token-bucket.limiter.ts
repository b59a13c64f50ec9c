import type { RateLimitSetting } from '@crm/config';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type TakeResult =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * One token bucket per key, in this process: `burst` requests at once, refilled at `perSecond`. With several
 * API processes each enforces its own budget (a key may get N times its limit across N replicas); a shared
 * limiter would need a round trip per request, which this API does not pay for.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  take(keyId: string, limit: RateLimitSetting): TakeResult {
    const now = this.now();
    const bucket = this.buckets.get(keyId) ?? { tokens: limit.burst, updatedAt: now };
    bucket.tokens = Math.min(
      limit.burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * limit.perSecond,
    );
    bucket.updatedAt = now;
    this.buckets.set(keyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    // Whole seconds (Retry-After's unit), never 0: a client retrying at once would only be refused again.
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond)),
    };
  }
}
