import {
  AnalyticsQueryError,
  AnalyticsStoreUnavailableError,
  InvalidAnalyticsParameterError,
  NotEnoughAnalyticsDataError,
} from '@crm/analytics';
import { ApiProblem } from '../problems/api-problem';

/** Parameters whose query name differs from the name the answers validate them under. */
const QUERY_NAMES: Readonly<Record<string, string>> = { annualDiscountRate: 'discountRate' };

/** The problem each analytics error becomes (called by toProblem, the one place errors are mapped). */
export function analyticsProblem(error: AnalyticsQueryError): ApiProblem {
  if (error instanceof InvalidAnalyticsParameterError) {
    return new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid query parameter', undefined, [
      {
        path: `$query.${QUERY_NAMES[error.field] ?? error.field}`,
        code: 'INVALID_FIELD',
        message: error.message,
      },
    ]);
  }
  if (error instanceof NotEnoughAnalyticsDataError) {
    return new ApiProblem(422, error.code, 'Not enough data for this answer', error.message);
  }
  if (error instanceof AnalyticsStoreUnavailableError) {
    return new ApiProblem(
      503,
      error.code,
      'Analytics store unavailable',
      'The analytical store cannot be reached or is not migrated yet; retry later',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  return new ApiProblem(
    500,
    'INTERNAL_ERROR',
    'Internal server error',
    'The error was logged; nothing leaked here',
  );
}

/** A query parameter the caller must give. */
export function missingParameter(name: string, hint: string): ApiProblem {
  return new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid query parameter', undefined, [
    { path: `$query.${name}`, code: 'REQUIRED_FIELD', message: `${name} is required (${hint})` },
  ]);
}
