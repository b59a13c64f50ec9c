import {
  arrayOf,
  MONEY_SCHEMA,
  nullable,
  objectSchema,
  type SchemaObject,
} from '../bootstrap/openapi/openapi-schemas';

/** The analytics answers' schemas: their shape and required fields (the values are documented in docs/analytics.md). */
const STRING: SchemaObject = { type: 'string' };
const INTEGER: SchemaObject = { type: 'integer' };
const NUMBER: SchemaObject = { type: 'number' };
const DAY = STRING;
const FILTER = objectSchema({ channel: STRING, country: STRING }, []);
const COUNT = { type: 'integer', minimum: 0 } satisfies SchemaObject;

export const RFM_SEGMENTS_ANSWER = objectSchema({
  cutoff: DAY,
  currency: STRING,
  filter: FILTER,
  customers: COUNT,
  revenue: MONEY_SCHEMA,
  segments: arrayOf(
    objectSchema({
      segment: STRING,
      customers: COUNT,
      revenue: MONEY_SCHEMA,
      customerShare: NUMBER,
      revenueShare: NUMBER,
      avgRecencyDays: nullable(NUMBER),
      avgFrequency: nullable(NUMBER),
      avgMonetary: nullable(MONEY_SCHEMA),
    }),
  ),
});

export const RFM_CUSTOMERS_ANSWER = objectSchema({
  customers: arrayOf(
    objectSchema(
      {
        customerId: STRING,
        recencyDays: INTEGER,
        frequency: INTEGER,
        monetary: MONEY_SCHEMA,
        rScore: INTEGER,
        fScore: INTEGER,
        mScore: INTEGER,
        rfmCell: STRING,
        segment: STRING,
      },
      ['customerId', 'recencyDays', 'frequency', 'monetary', 'rScore', 'fScore', 'mScore', 'segment'],
    ),
  ),
});

export const FUNNEL_ANSWER = objectSchema({
  from: DAY,
  to: DAY,
  filter: FILTER,
  stages: arrayOf(
    objectSchema({
      stage: STRING,
      customers: COUNT,
      shareOfAcquired: nullable(NUMBER),
      conversion: nullable(NUMBER),
    }),
  ),
  churnedAtEnd: COUNT,
});

export const CHURN_ANSWER = objectSchema({
  from: DAY,
  to: DAY,
  filter: FILTER,
  months: arrayOf(
    objectSchema(
      {
        month: DAY,
        activeAtStart: COUNT,
        acquired: COUNT,
        churned: COUNT,
        lost: COUNT,
        reactivated: COUNT,
        activeAtEnd: COUNT,
        churnRate: nullable(NUMBER),
      },
      ['month', 'activeAtStart', 'churnRate'],
    ),
  ),
  averageMonthlyChurnRate: nullable(NUMBER),
});

export const COHORTS_ANSWER = objectSchema({
  cutoff: DAY,
  currency: STRING,
  filter: FILTER,
  cohorts: arrayOf(
    objectSchema(
      {
        cohortMonth: DAY,
        customers: COUNT,
        activeCustomers: arrayOf(INTEGER),
        retentionRate: arrayOf(nullable(NUMBER)),
        orders: arrayOf(INTEGER),
        revenueMinor: arrayOf(INTEGER),
        cumulativeRevenueMinor: arrayOf(INTEGER),
      },
      ['cohortMonth', 'customers', 'activeCustomers', 'retentionRate'],
    ),
  ),
});

export const LTV_GROUPS_ANSWER = objectSchema({
  cutoff: DAY,
  currency: STRING,
  groupBy: STRING,
  filter: FILTER,
  customers: COUNT,
  revenue: MONEY_SCHEMA,
  averageLtv: nullable(MONEY_SCHEMA),
  groups: arrayOf(
    objectSchema(
      {
        value: nullable(STRING),
        customers: COUNT,
        buyers: COUNT,
        orders: COUNT,
        revenue: MONEY_SCHEMA,
        averageLtv: nullable(MONEY_SCHEMA),
      },
      ['value', 'customers', 'revenue'],
    ),
  ),
});

export const LTV_CUSTOMERS_ANSWER = objectSchema({
  customers: arrayOf(
    objectSchema(
      { customerId: STRING, orders: COUNT, ltv: MONEY_SCHEMA, acquisitionChannel: nullable(STRING) },
      ['customerId', 'orders', 'ltv'],
    ),
  ),
});

const ATTRIBUTE_VALUE = objectSchema(
  {
    value: nullable(STRING),
    baseCustomers: COUNT,
    topCustomers: COUNT,
    baseShare: nullable(NUMBER),
    topShare: nullable(NUMBER),
    index: nullable(NUMBER),
  },
  ['value', 'baseCustomers', 'topCustomers'],
);

export const BEST_CUSTOMERS_ANSWER = objectSchema({
  cutoff: DAY,
  currency: STRING,
  baseCustomers: COUNT,
  topCustomers: COUNT,
  attributes: { type: 'object', additionalProperties: arrayOf(ATTRIBUTE_VALUE) },
});

export const PROMOTERS_ANSWER = objectSchema({
  from: DAY,
  to: DAY,
  currency: STRING,
  rankBy: STRING,
  totals: objectSchema(
    {
      referrers: COUNT,
      referralsMade: COUNT,
      referredAcquired: COUNT,
      referredBuyers: COUNT,
      referredRevenue: MONEY_SCHEMA,
    },
    ['referrers', 'referralsMade'],
  ),
  topReferrers: arrayOf(
    objectSchema(
      {
        referrerId: STRING,
        referralsMade: COUNT,
        referredAcquired: COUNT,
        referredBuyers: COUNT,
        referredRevenue: MONEY_SCHEMA,
      },
      ['referrerId', 'referralsMade'],
    ),
  ),
});

const TIMING_BUCKET = objectSchema({
  bucket: INTEGER,
  label: STRING,
  orders: COUNT,
  revenue: MONEY_SCHEMA,
  buyers: COUNT,
});

export const PURCHASE_TIMING_ANSWER = objectSchema({
  from: DAY,
  to: DAY,
  currency: STRING,
  timeZone: STRING,
  byMonth: arrayOf(TIMING_BUCKET),
  byWeekday: arrayOf(TIMING_BUCKET),
  byHour: arrayOf(TIMING_BUCKET),
});

export const SEASONALITY_ANSWER = objectSchema({
  from: DAY,
  to: DAY,
  currency: STRING,
  categories: arrayOf(
    objectSchema({
      category: STRING,
      units: COUNT,
      revenue: MONEY_SCHEMA,
      months: arrayOf(
        objectSchema(
          { month: INTEGER, units: COUNT, revenueMinor: INTEGER, revenueShare: nullable(NUMBER) },
          ['month', 'units'],
        ),
      ),
    }),
  ),
});

/** The fitted models: parameters, fit quality and what they were fitted on. */
const MODEL = objectSchema(
  {
    modelId: STRING,
    modelVersion: STRING,
    fittedAt: STRING,
    cutoff: DAY,
    currency: STRING,
    customers: COUNT,
    repeatCustomers: COUNT,
    bgNbd: { type: 'object' },
    gammaGamma: { type: 'object' },
    horizonWeeks: INTEGER,
    annualDiscountRate: NUMBER,
    margin: NUMBER,
  },
  ['modelId', 'modelVersion', 'cutoff', 'currency', 'bgNbd', 'gammaGamma'],
);

export const PREDICTIVE_LTV_ANSWER = objectSchema({
  model: MODEL,
  totals: { type: 'object' },
  customers: arrayOf(
    objectSchema(
      {
        customerId: STRING,
        x: NUMBER,
        tx: NUMBER,
        T: NUMBER,
        pAlive: NUMBER,
        expectedPurchases: NUMBER,
        clv: MONEY_SCHEMA,
      },
      ['customerId', 'pAlive', 'expectedPurchases', 'clv'],
    ),
  ),
});

export const HOLDOUT_ANSWER = objectSchema({
  model: MODEL,
  holdoutEnd: DAY,
  report: objectSchema({ bins: arrayOf({ type: 'object' }) }, ['bins']),
});

export const PORTFOLIO_ANSWER = objectSchema({
  model: MODEL,
  pAliveThreshold: NUMBER,
  potentialQuantile: NUMBER,
  clvThreshold: nullable(MONEY_SCHEMA),
  quadrants: arrayOf(
    objectSchema(
      {
        action: STRING,
        potential: STRING,
        loyalty: STRING,
        customers: COUNT,
        predictedClv: MONEY_SCHEMA,
        unprofitable: COUNT,
      },
      ['action', 'potential', 'loyalty', 'customers', 'unprofitable'],
    ),
  ),
});

const SCORES = {
  npsResponses: COUNT,
  promoters: COUNT,
  passives: COUNT,
  detractors: COUNT,
  promoterShare: nullable(NUMBER),
  passiveShare: nullable(NUMBER),
  detractorShare: nullable(NUMBER),
  nps: nullable(NUMBER),
  csatResponses: COUNT,
  satisfied: COUNT,
  csat: nullable(NUMBER),
  averageCsatScore: nullable(NUMBER),
};

export const SATISFACTION_ANSWER = objectSchema({
  from: DAY,
  to: DAY,
  period: STRING,
  groupBy: STRING,
  total: objectSchema(SCORES),
  groups: arrayOf(objectSchema({ group: STRING, ...SCORES })),
  periods: arrayOf(objectSchema({ period: DAY, group: STRING, ...SCORES })),
});

export const NPS_CLASSES_ANSWER = objectSchema({
  cutoff: DAY,
  currency: STRING,
  classes: arrayOf(
    objectSchema({
      npsClass: STRING,
      customers: COUNT,
      churned: COUNT,
      churnRate: nullable(NUMBER),
      revenue: MONEY_SCHEMA,
      averageLtv: nullable(MONEY_SCHEMA),
    }),
  ),
});

const RATE = { complaints: COUNT, customers: COUNT, per1000Customers: nullable(NUMBER) };
const RESOLUTION = {
  opened: COUNT,
  resolved: COUNT,
  unresolved: COUNT,
  p50Hours: nullable(NUMBER),
  p90Hours: nullable(NUMBER),
};

export const COMPLAINTS_ANSWER = objectSchema({
  from: DAY,
  to: DAY,
  period: STRING,
  total: objectSchema({ ...RATE, ...RESOLUTION }),
  periods: arrayOf(objectSchema({ period: DAY, ...RATE })),
  categories: arrayOf(objectSchema({ category: STRING, ...RATE, ...RESOLUTION })),
  churnAfter: arrayOf(
    objectSchema({ state: STRING, complaints: COUNT, churned: COUNT, churnRate: nullable(NUMBER) }),
  ),
});

export const CAMPAIGNS_ANSWER = objectSchema({
  cutoff: DAY,
  currency: STRING,
  margin: NUMBER,
  clvModelId: nullable(STRING),
  campaigns: arrayOf(
    objectSchema({
      campaign: STRING,
      channel: STRING,
      spend: MONEY_SCHEMA,
      customersAcquired: COUNT,
      buyers: COUNT,
      cac: nullable(MONEY_SCHEMA),
      revenue: MONEY_SCHEMA,
      grossMargin: MONEY_SCHEMA,
      predictedClv: nullable(MONEY_SCHEMA),
      roi: nullable(NUMBER),
      predictedRoi: nullable(NUMBER),
      paybackDays: nullable(INTEGER),
      paybackDay: nullable(DAY),
    }),
  ),
});

const CUSTOMER_PROFIT = objectSchema({
  customerId: STRING,
  acquisitionChannel: STRING,
  stage: STRING,
  revenue: MONEY_SCHEMA,
  grossMargin: MONEY_SCHEMA,
  contacts: COUNT,
  costToServe: MONEY_SCHEMA,
  compensation: MONEY_SCHEMA,
  profit: MONEY_SCHEMA,
});

export const PROFITABILITY_ANSWER = objectSchema({
  cutoff: DAY,
  currency: STRING,
  margin: NUMBER,
  costToServeTable: { type: 'object', additionalProperties: INTEGER },
  customers: COUNT,
  unprofitable: COUNT,
  revenue: MONEY_SCHEMA,
  grossMargin: MONEY_SCHEMA,
  costToServe: MONEY_SCHEMA,
  compensation: MONEY_SCHEMA,
  profit: MONEY_SCHEMA,
  leastProfitable: arrayOf(CUSTOMER_PROFIT),
});
