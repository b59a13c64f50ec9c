/** What Date#toISOString prints. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A valid ISO 8601 instant as UTC with milliseconds. One already in that form (every event once validated)
 * is returned as it is instead of going through a Date and back.
 */
export const toUtcIso = (instant: string): string =>
  CANONICAL_INSTANT.test(instant) ? instant : new Date(instant).toISOString();
