import { applyDecorators } from '@nestjs/common';
import { ApiProblems, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import {
  ACQUISITION_CHANNEL_SCHEMA,
  COUNTRY_SCHEMA,
  CURRENCY_SCHEMA,
  daySchema,
  integerSchema,
} from '../bootstrap/openapi/openapi-schemas';

/** OpenAPI documentation of the query parameters the analytics endpoints share, with their exact schemas. */
export const ApiAsOf = () =>
  applyDecorators(
    ApiQueryParam('cutoff', daySchema('2025-12-31'), {
      description: 'As of the end of this UTC day, YYYY-MM-DD (default today)',
    }),
    ApiCurrency(),
  );

export const ApiPeriod = () =>
  applyDecorators(
    ApiQueryParam('from', daySchema('2025-01-01'), {
      description: 'First UTC day, YYYY-MM-DD, not after `to` (default: 12 months back); at most 240 months',
    }),
    ApiQueryParam('to', daySchema('2025-12-31'), {
      description: 'Last UTC day, inclusive, YYYY-MM-DD (default today)',
    }),
  );

export const ApiCurrency = () =>
  ApiQueryParam('currency', CURRENCY_SCHEMA, {
    required: true,
    description: 'ISO 4217 currency of the amounts (never summed across currencies)',
  });

export const ApiCustomerFilter = () =>
  applyDecorators(
    ApiQueryParam('channel', ACQUISITION_CHANNEL_SCHEMA, { description: 'Acquisition channel' }),
    ApiQueryParam('country', COUNTRY_SCHEMA, { description: 'ISO 3166-1 alpha-2 country' }),
  );

export const ApiPaging = (defaultLimit: number, maxLimit: number) =>
  applyDecorators(
    ApiQueryParam('limit', integerSchema(1, maxLimit), {
      description: `Rows, 1-${maxLimit} (default ${defaultLimit})`,
    }),
    ApiQueryParam('offset', integerSchema(0), { description: 'Rows to skip (default 0)' }),
  );

/** The failures every analytics endpoint can answer with. */
export const ApiAnalyticsProblems = (extra: Readonly<Record<number, string>> = {}) =>
  ApiProblems({
    400: 'VALIDATION_FAILED: errors[].path names the query parameter',
    503: 'ANALYTICS_UNAVAILABLE: the analytical store is unreachable or not migrated yet (Retry-After)',
    ...extra,
  });
