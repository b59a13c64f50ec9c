/**
 * Business times arrive as ISO 8601 UTC, but not always in the same spelling ("…:00Z" and "…:00.000Z" are
 * the same instant and do not sort together as text). Every time the read model stores goes through here,
 * so stored values are 24-character `toISOString()` strings: they sort lexically in time order on both
 * engines, and compare equal to what the reference fold computes.
 */
export function toIsoUtc(value: string): string {
  const parsed = new Date(value);
  // Unparseable input is kept verbatim rather than failing the projection: the store validated it once.
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}

export const minIso = (a: string | null, b: string): string => (a === null || b < a ? b : a);
export const maxIso = (a: string | null, b: string): string => (a === null || b > a ? b : a);
