import { PORTFOLIO_QUADRANTS } from '@crm/analytics';
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_SEVERITIES,
  CONSENT_PURPOSES,
  CONTACT_CHANNELS,
  CONTACT_FREQUENCIES,
  FEEDBACK_CHANNELS,
} from '@crm/domain';
import { NPS_CLASSES } from '@crm/read-model';
import type { SchemaObject } from '../bootstrap/openapi/openapi-schemas';
import { AS_OF_BASES } from './time-travel';

const STRING: SchemaObject = { type: 'string' };
const OPTIONAL_STRING: SchemaObject = { type: 'string', nullable: true };
const TIME: SchemaObject = { type: 'string', format: 'date-time' };
const COUNT: SchemaObject = { type: 'integer', minimum: 0 };
const nullable = (schema: SchemaObject, description?: string): SchemaObject => ({
  ...schema,
  nullable: true,
  ...(description ? { description } : {}),
});

export const SPEND_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['currency', 'totalMinor', 'purchases'],
  properties: { currency: STRING, totalMinor: COUNT, purchases: COUNT },
};

const COST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['currency', 'totalMinor', 'count'],
  properties: {
    currency: STRING,
    totalMinor: { type: 'integer', description: 'Integer minor units' },
    count: { ...COUNT, description: 'Events that carried an amount' },
  },
};

const FEEDBACK_PROPERTIES: Record<string, SchemaObject> = {
  score: { type: 'integer' },
  surveyId: STRING,
  channel: { ...STRING, description: `Where it was answered: ${FEEDBACK_CHANNELS.join(', ')}` },
  at: { ...TIME, description: 'Business time of the answer' },
};

const NPS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['score', 'class', 'surveyId', 'channel', 'at'],
  properties: {
    ...FEEDBACK_PROPERTIES,
    score: { type: 'integer', minimum: 0, maximum: 10 },
    class: {
      type: 'string',
      enum: [...NPS_CLASSES],
      description: '9-10 promoter, 7-8 passive, 0-6 detractor',
    },
  },
};

const CSAT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['score', 'surveyId', 'channel', 'at'],
  properties: { ...FEEDBACK_PROPERTIES, score: { type: 'integer', minimum: 1, maximum: 5 } },
};

const COMPLAINTS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['opened', 'resolved', 'open'],
  properties: {
    opened: COUNT,
    resolved: COUNT,
    open: {
      type: 'array',
      description: 'Complaints not resolved yet, oldest first',
      items: {
        type: 'object',
        required: ['complaintId', 'category', 'severity', 'channel', 'orderId', 'openedAt'],
        properties: {
          complaintId: STRING,
          category: { type: 'string', enum: [...COMPLAINT_CATEGORIES] },
          severity: { type: 'string', enum: [...COMPLAINT_SEVERITIES] },
          channel: STRING,
          orderId: OPTIONAL_STRING,
          openedAt: TIME,
        },
      },
    },
  },
};

const CONSENT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['channel', 'purpose', 'status', 'at', 'source'],
  properties: {
    channel: { type: 'string', enum: [...CONTACT_CHANNELS] },
    purpose: { type: 'string', enum: [...CONSENT_PURPOSES] },
    status: { type: 'string', enum: ['granted', 'withdrawn'] },
    at: { ...TIME, description: 'Business time of the latest grant or withdrawal' },
    source: nullable(STRING, '`acquisition` for consents given with CustomerAcquired'),
  },
};

const PREFERENCES_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['preferredChannel', 'language', 'contactFrequency', 'categories', 'updatedAt'],
  properties: {
    preferredChannel: { type: 'string', enum: [...CONTACT_CHANNELS], nullable: true },
    language: OPTIONAL_STRING,
    contactFrequency: { type: 'string', enum: [...CONTACT_FREQUENCIES], nullable: true },
    categories: { type: 'array', items: STRING, nullable: true },
    updatedAt: TIME,
  },
};

const SCORES_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'What the analytical models say, copied into the read model by the scoring job (null until it scored ' +
    'the customer: no purchase in the scoring currency, or no run yet)',
  required: [
    'modelId',
    'cutoff',
    'currency',
    'predictedClvMinor',
    'pAlive',
    'rfmSegment',
    'portfolio',
    'scoredAt',
  ],
  properties: {
    modelId: {
      ...STRING,
      description: 'The CLV model (GET /v1/analytics/predictive-ltv answers its parameters)',
    },
    cutoff: { type: 'string', format: 'date' },
    currency: STRING,
    predictedClvMinor: {
      type: 'integer',
      description: 'Discounted expected value over 52 weeks, minor units',
    },
    pAlive: { type: 'number', minimum: 0, maximum: 1 },
    rfmSegment: OPTIONAL_STRING,
    portfolio: {
      type: 'object',
      required: ['potential', 'loyalty', 'action'],
      properties: {
        potential: { type: 'string', enum: ['high', 'low'] },
        loyalty: { type: 'string', enum: ['high', 'low'] },
        action: { type: 'string', enum: PORTFOLIO_QUADRANTS.map((q) => q.action) },
      },
    },
    scoredAt: TIME,
  },
};

const FRESHNESS_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'How fresh each part of the answer is',
  required: ['events', 'scores'],
  properties: {
    events: {
      type: 'object',
      description: 'Event-derived values (everything but scores)',
      required: ['streamRevision', 'lastGlobalPosition', 'projectionPosition', 'updatedAt'],
      properties: {
        streamRevision: COUNT,
        lastGlobalPosition: STRING,
        projectionPosition: nullable(STRING, "The read-model projection's checkpoint"),
        updatedAt: { ...TIME, description: 'When the row was last written' },
      },
    },
    scores: {
      type: 'object',
      nullable: true,
      required: ['modelId', 'cutoff', 'scoredAt'],
      properties: { modelId: STRING, cutoff: { type: 'string', format: 'date' }, scoredAt: TIME },
    },
  },
};

/**
 * The Customer 360 (read model, or time travel with `asOf`): identity, stage, the counters the fold keeps,
 * the customer's file (satisfaction, complaints, consents, preferences, costs) and, from the read model
 * only, the scores and the freshness of each part.
 */
export const CUSTOMER_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['customerId', 'stage', 'streamRevision', 'nps', 'csat', 'complaints', 'consents', 'preferences'],
  properties: {
    customerId: STRING,
    stage: { type: 'string', enum: ['acquired', 'active', 'churned'] },
    profile: { type: 'object', nullable: true },
    acquisitionChannel: OPTIONAL_STRING,
    acquiredAt: OPTIONAL_STRING,
    churnedAt: OPTIONAL_STRING,
    erased: { type: 'boolean' },
    contactsCount: COUNT,
    purchasesCount: COUNT,
    spend: { type: 'array', items: SPEND_SCHEMA },
    nps: nullable(NPS_SCHEMA, 'The latest NPS answer by business time'),
    csat: nullable(CSAT_SCHEMA, 'The latest CSAT answer by business time'),
    complaints: COMPLAINTS_SCHEMA,
    consents: { type: 'array', items: CONSENT_SCHEMA, description: 'Per channel and purpose, sorted' },
    preferences: nullable(PREFERENCES_SCHEMA),
    costToServe: {
      type: 'array',
      items: COST_SCHEMA,
      description: 'Costs carried by contacts, per currency',
    },
    compensation: {
      type: 'array',
      items: COST_SCHEMA,
      description: 'Compensation given on resolved complaints, per currency',
    },
    streamRevision: COUNT,
    lastGlobalPosition: STRING,
    updatedAt: { ...TIME, description: 'Read model only' },
    scores: nullable(SCORES_SCHEMA),
    freshness: { ...FRESHNESS_SCHEMA, description: 'Read model only: ' + FRESHNESS_SCHEMA.description },
    asOf: {
      type: 'object',
      description: 'Only with asOf: the point the stream was folded to',
      required: ['value', 'basis'],
      properties: { value: STRING, basis: { type: 'string', enum: ['position', ...AS_OF_BASES] } },
    },
  },
};

/** The answer of POST /v1/admin/scores/refresh. */
export const SCORING_RUN_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'cutoff', 'currency', 'scoredAt', 'scored', 'batches', 'removed'],
  properties: {
    status: { type: 'string', enum: ['scored', 'skipped'] },
    reason: { ...STRING, description: 'Why nothing was scored (skipped: too few buyers, no model fit)' },
    modelId: STRING,
    cutoff: { type: 'string', format: 'date' },
    currency: STRING,
    dataPosition: { ...STRING, description: "The analytics projection's position the model was fitted at" },
    scoredAt: TIME,
    scored: COUNT,
    batches: COUNT,
    removed: { ...COUNT, description: 'Scores of older models removed' },
  },
};
