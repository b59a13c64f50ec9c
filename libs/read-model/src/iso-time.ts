/**
 * Business times arrive as ISO 8601 UTC, but not always in the same spelling ("…:00Z" and "…:00.000Z" are
 * the same instant and do not sort together as text). Every time the read model stores goes through here,
 * so stored values are 24-character `toISOString()` strings: they sort lexically in time order on both
 * engines, and compare equal to what the reference fold computes.
 */
const CANONICAL = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

export function toIsoUtc(value: string): string {
  // Already canonical and certainly a real instant (days up to 28 exist in every month, hours below 24):
  // parsing and printing it would give it back unchanged. Anything else takes the Date round trip, which
  // also settles what Date does with "Feb 30" or "24:00".
  if (value.length === 24 && CANONICAL.test(value)) return value;
  const parsed = new Date(value);
  // Unparseable input is kept verbatim rather than failing the projection: the store validated it once.
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}

export const minIso = (a: string | null, b: string): string => (a === null || b < a ? b : a);
export const maxIso = (a: string | null, b: string): string => (a === null || b > a ? b : a);
