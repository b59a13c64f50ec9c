import { TokenBucketLimiter } from './token-bucket.limiter';

describe('TokenBucketLimiter', () => {
  let now = 0;
  const limiter = () => new TokenBucketLimiter(() => now);
  beforeEach(() => (now = 1_000));

  it('allows a burst, then refuses with the seconds until a token is back', () => {
    const l = limiter();
    const limit = { perSecond: 0.5, burst: 2 };
    expect(l.take('k', limit).allowed).toBe(true);
    expect(l.take('k', limit).allowed).toBe(true);
    expect(l.take('k', limit)).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it('refills at the configured rate, never above the burst', () => {
    const l = limiter();
    const limit = { perSecond: 10, burst: 3 };
    for (let i = 0; i < 3; i++) l.take('k', limit);
    expect(l.take('k', limit).allowed).toBe(false);
    now += 100; // one token back
    expect(l.take('k', limit).allowed).toBe(true);
    expect(l.take('k', limit).allowed).toBe(false);
    now += 60_000; // a long pause refills to the burst only
    const allowed = Array.from({ length: 5 }, () => l.take('k', limit).allowed);
    expect(allowed).toEqual([true, true, true, false, false]);
  });

  it('keeps one bucket per key', () => {
    const l = limiter();
    const limit = { perSecond: 1, burst: 1 };
    expect(l.take('a', limit).allowed).toBe(true);
    expect(l.take('a', limit).allowed).toBe(false);
    expect(l.take('b', limit).allowed).toBe(true);
  });

  it('never tells a client to retry in 0 s', () => {
    const l = limiter();
    const limit = { perSecond: 1_000, burst: 1 };
    l.take('k', limit);
    expect(l.take('k', limit)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
