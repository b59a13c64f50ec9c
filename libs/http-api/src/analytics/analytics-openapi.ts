import { ACQUISITION_CHANNELS } from '@crm/domain';
import { applyDecorators } from '@nestjs/common';
import { ApiQuery, ApiResponse } from '@nestjs/swagger';

/** OpenAPI documentation of the query parameters the analytics endpoints share. */
export const ApiAsOf = () =>
  applyDecorators(
    ApiQuery({
      name: 'cutoff',
      required: false,
      description: 'As of the end of this UTC day, YYYY-MM-DD (default today)',
      example: '2026-06-30',
    }),
    ApiQuery({
      name: 'currency',
      required: true,
      description: 'ISO 4217 currency of the amounts (never summed across currencies)',
      example: 'EUR',
    }),
  );

export const ApiPeriod = () =>
  applyDecorators(
    ApiQuery({
      name: 'from',
      required: false,
      description: 'First UTC day, YYYY-MM-DD (default: 12 months back)',
    }),
    ApiQuery({
      name: 'to',
      required: false,
      description: 'Last UTC day, inclusive, YYYY-MM-DD (default today)',
    }),
  );

export const ApiCurrency = () =>
  ApiQuery({
    name: 'currency',
    required: true,
    description: 'ISO 4217 currency of the amounts',
    example: 'EUR',
  });

export const ApiCustomerFilter = () =>
  applyDecorators(
    ApiQuery({
      name: 'channel',
      required: false,
      enum: ACQUISITION_CHANNELS,
      description: 'Acquisition channel',
    }),
    ApiQuery({ name: 'country', required: false, description: 'ISO 3166-1 alpha-2 country', example: 'IT' }),
  );

export const ApiPaging = (defaultLimit: number, maxLimit: number) =>
  applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      description: `Rows, 1-${maxLimit} (default ${defaultLimit})`,
    }),
    ApiQuery({ name: 'offset', required: false, description: 'Rows to skip (default 0)' }),
  );

/** The failures every analytics endpoint can answer with. */
export const ApiAnalyticsProblems = () =>
  applyDecorators(
    ApiResponse({ status: 400, description: 'VALIDATION_FAILED: errors[].path names the query parameter' }),
    ApiResponse({
      status: 503,
      description: 'ANALYTICS_UNAVAILABLE: the analytical store is unreachable (Retry-After)',
    }),
  );
