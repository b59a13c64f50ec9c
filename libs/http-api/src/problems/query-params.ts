import { ApiProblem } from './api-problem';

/**
 * Parses an integer query parameter, answering 400 with the parameter's path when it is not one. Given empty
 * (`?limit=`) is not absent: it is refused like any other non-integer.
 */
export function intQueryParam(
  name: string,
  raw: string | undefined,
  { min, max = Number.MAX_SAFE_INTEGER, fallback }: { min: number; max?: number; fallback: number },
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid query parameter', undefined, [
      {
        path: `$query.${name}`,
        code: 'INVALID_FIELD',
        message: `${name} must be an integer from ${min} to ${max}`,
      },
    ]);
  }
  return value;
}
