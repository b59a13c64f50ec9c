import { ACQUISITION_CHANNELS, ISO_4217_CURRENCIES } from '@crm/domain';
import type { SchemaObject } from '@nestjs/swagger';

export type { SchemaObject };

/** The media type of every failure (RFC 7807), rendered by the problem filter. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
export const PROBLEM_SCHEMA_NAME = 'Problem';

/** What `ApiProblem.toBody` renders; extensions (checks, projections, revisions) are extra properties. */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'instance'],
  properties: {
    type: { type: 'string', description: 'urn:crm:problem:<code in kebab case>' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    code: { type: 'string', description: 'Stable machine-readable code', pattern: '^[A-Z][A-Z0-9_]*$' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          customerId: { type: 'string' },
          eventId: { type: 'string' },
          path: { type: 'string', description: 'The field at fault: $.body.path or $query.name' },
          code: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
};

/**
 * A UTC calendar day the analytical store can hold (ClickHouse's Date: 1970-01-01 to 2149-06-06), exactly:
 * months of 28, 29 (leap years only), 30 and 31 days. Anything else is refused with 400, so the document
 * says the same as the server, both ways.
 */
const MONTH_DAY =
  '((0[13578]|1[02])-(0[1-9]|[12]\\d|3[01])|(0[469]|11)-(0[1-9]|[12]\\d|30)|02-(0[1-9]|1\\d|2[0-8]))';
const LEAP_YEAR = '(19(7[26]|8[048]|9[26])|20([02468][048]|[13579][26])|21([024][48]|[13][26]|[24]0))';
const YEAR_BEFORE_LAST = '(19[7-9]\\d|20\\d\\d|21[0-3]\\d|214[0-8])';
const LAST_YEAR_DAYS =
  '2149-((0[135])-(0[1-9]|[12]\\d|3[01])|04-(0[1-9]|[12]\\d|30)|02-(0[1-9]|1\\d|2[0-8])|06-0[1-6])';
export const DAY_PATTERN = `^(${YEAR_BEFORE_LAST}-${MONTH_DAY}|${LEAP_YEAR}-02-29|${LAST_YEAR_DAYS})$`;

export const daySchema = (example: string): SchemaObject => ({
  type: 'string',
  pattern: DAY_PATTERN,
  example,
});

export const CURRENCY_SCHEMA: SchemaObject = {
  type: 'string',
  enum: [...ISO_4217_CURRENCIES].sort(),
  example: 'EUR',
};

export const COUNTRY_SCHEMA: SchemaObject = { type: 'string', pattern: '^[A-Z]{2}$', example: 'IT' };

export const ACQUISITION_CHANNEL_SCHEMA: SchemaObject = { type: 'string', enum: [...ACQUISITION_CHANNELS] };

export const integerSchema = (minimum: number, maximum = Number.MAX_SAFE_INTEGER): SchemaObject => ({
  type: 'integer',
  minimum,
  maximum,
});

export const numberSchema = (
  minimum: number,
  maximum: number,
  { exclusiveMinimum = false } = {},
): SchemaObject => ({
  type: 'number',
  minimum,
  maximum,
  ...(exclusiveMinimum ? { exclusiveMinimum: true } : {}),
});

/** A global position of the event store: digits, as a string (it may exceed 2^53). */
export const POSITION_SCHEMA: SchemaObject = { type: 'string', pattern: '^\\d{1,20}$', example: '42' };

/** An amount in one currency, as the analytics answers render it. */
export const MONEY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['minor', 'currency', 'decimal'],
  properties: {
    minor: { type: 'integer', description: 'Minor units (cents)' },
    currency: { type: 'string', example: 'EUR' },
    decimal: { type: 'string', description: 'The amount in major units, exact', example: '25.99' },
  },
};

/** An object with these required properties (more may come: answers grow, clients ignore what they do not know). */
export const objectSchema = (
  properties: Record<string, SchemaObject>,
  required: readonly string[] = Object.keys(properties),
): SchemaObject => ({ type: 'object', required: [...required], properties });

export const arrayOf = (items: SchemaObject): SchemaObject => ({ type: 'array', items });

export const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
