/** Publishers' clocks may be a little ahead; more than this is a bug on their side. */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Business time more than a day ahead of `now` is refused on every entrance (validation, and the bulk
 * publish of the generator and imports). Not in the decider: it needs a clock, and the decider is pure.
 */
export function occurredAtTooFarAhead(
  occurredAt: string,
  now: number,
): { code: 'INVALID_FIELD'; message: string } | undefined {
  return Date.parse(occurredAt) > now + MAX_CLOCK_SKEW_MS
    ? { code: 'INVALID_FIELD', message: 'occurredAt is more than a day in the future' }
    : undefined;
}
