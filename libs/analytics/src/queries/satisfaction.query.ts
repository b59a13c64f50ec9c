import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';
import {
  checkAsOf,
  checkCurrency,
  checkOneOf,
  checkPeriod,
  type AsOfParams,
  type PeriodParams,
} from './analytics-query.params';
import { answerRows } from './analytics-rows';
import { ratio } from './customer-economics';

export const SATISFACTION_PERIODS = ['month', 'quarter'] as const;
export type SatisfactionPeriod = (typeof SATISFACTION_PERIODS)[number];
/** none: one group; channel: acquisition channel; cohort: acquisition month; segment: RFM segment at `to`. */
export const SATISFACTION_GROUPS = ['none', 'channel', 'cohort', 'country', 'segment'] as const;
export type SatisfactionGroup = (typeof SATISFACTION_GROUPS)[number];

export interface SatisfactionParams extends PeriodParams {
  readonly period?: string;
  readonly groupBy?: string;
  /** Needed for groupBy=segment: RFM segments are per currency. */
  readonly currency?: string;
}

/** NPS and CSAT of a set of answers. */
export interface SatisfactionScores {
  readonly npsResponses: number;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
  readonly promoterShare: number | null;
  readonly passiveShare: number | null;
  readonly detractorShare: number | null;
  /** (promoters - detractors) / NPS answers x 100, from -100 to 100; null without NPS answers. */
  readonly nps: number | null;
  readonly csatResponses: number;
  /** CSAT answers of 4 or 5. */
  readonly satisfied: number;
  /** satisfied / CSAT answers x 100; null without CSAT answers. */
  readonly csat: number | null;
  readonly averageCsatScore: number | null;
}

export interface SatisfactionAnswer {
  readonly from: string;
  readonly to: string;
  readonly period: SatisfactionPeriod;
  readonly groupBy: SatisfactionGroup;
  /** Every answer of the period. */
  readonly total: SatisfactionScores;
  /** Per group over the whole period (one group 'all' when groupBy=none). */
  readonly groups: readonly ({ readonly group: string } & SatisfactionScores)[];
  /** Per period (first day, YYYY-MM-DD) and group, periods with answers only. */
  readonly periods: readonly ({ readonly period: string; readonly group: string } & SatisfactionScores)[];
}

export const NPS_CLASSES = ['promoter', 'passive', 'detractor'] as const;

export interface NpsClassOutcome {
  readonly npsClass: (typeof NPS_CLASSES)[number];
  /** Customers whose latest NPS answer by the cutoff is in the class. */
  readonly customers: number;
  /** Of those, churned after that answer (by the cutoff). */
  readonly churned: number;
  readonly churnRate: number | null;
  /** Their revenue to date in the currency, and per customer (historical LTV). */
  readonly revenue: MoneyAmount;
  readonly averageLtv: MoneyAmount | null;
}

export interface NpsClassesAnswer extends AsOfParams {
  readonly classes: readonly NpsClassOutcome[];
}

interface CountsRow {
  period: string;
  grp: string;
  nps_responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  csat_responses: number;
  satisfied: number;
  csat_score_sum: number;
}
type Counts = Omit<CountsRow, 'period' | 'grp'>;

const GROUP_SQL: Record<SatisfactionGroup, string> = {
  none: "'all'",
  channel: 'f.acquisition_channel',
  cohort: 'f.cohort_month',
  country: 'f.country',
  segment: "if(s.segment = '', 'no purchases', s.segment)",
};
/** The first day of the month or quarter of a date-time column. */
export const PERIOD_START_SQL: Record<SatisfactionPeriod, (column: string) => string> = {
  month: (c) => `toStartOfMonth(${c})`,
  quarter: (c) => `toStartOfQuarter(${c})`,
};

function scores(c: Counts): SatisfactionScores {
  return {
    npsResponses: c.nps_responses,
    promoters: c.promoters,
    passives: c.passives,
    detractors: c.detractors,
    promoterShare: ratio(c.promoters, c.nps_responses),
    passiveShare: ratio(c.passives, c.nps_responses),
    detractorShare: ratio(c.detractors, c.nps_responses),
    nps:
      c.nps_responses > 0
        ? Math.round(((c.promoters - c.detractors) / c.nps_responses) * 100 * 1e4) / 1e4
        : null,
    csatResponses: c.csat_responses,
    satisfied: c.satisfied,
    csat: c.csat_responses > 0 ? Math.round((c.satisfied / c.csat_responses) * 100 * 1e4) / 1e4 : null,
    averageCsatScore: ratio(c.csat_score_sum, c.csat_responses),
  };
}

const ZERO: Counts = {
  nps_responses: 0,
  promoters: 0,
  passives: 0,
  detractors: 0,
  csat_responses: 0,
  satisfied: 0,
  csat_score_sum: 0,
};
const add = (a: Counts, b: Counts): Counts => ({
  nps_responses: a.nps_responses + b.nps_responses,
  promoters: a.promoters + b.promoters,
  passives: a.passives + b.passives,
  detractors: a.detractors + b.detractors,
  csat_responses: a.csat_responses + b.csat_responses,
  satisfied: a.satisfied + b.satisfied,
  csat_score_sum: a.csat_score_sum + b.csat_score_sum,
});

/** NPS and CSAT per period and group (view feedback_answers), and the outcomes of each NPS class. */
export class SatisfactionQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async scores(params: SatisfactionParams): Promise<SatisfactionAnswer> {
    const { from, to } = checkPeriod(params);
    const period = checkOneOf('period', params.period, SATISFACTION_PERIODS, 'month');
    const groupBy = checkOneOf('groupBy', params.groupBy, SATISFACTION_GROUPS, 'none');
    // A currency given is checked even where the grouping does not use it.
    const currency = params.currency === undefined ? undefined : checkCurrency('currency', params.currency);
    let segmentJoin = '';
    const extra: Record<string, string> = {};
    if (groupBy === 'segment') {
      if (currency === undefined) {
        throw new InvalidAnalyticsParameterError('currency', 'currency is required with groupBy=segment');
      }
      extra.currency = currency;
      segmentJoin = `LEFT JOIN (SELECT customer_id, segment
                       FROM ${this.ch.database}.rfm_customers(cutoff = {to:Date}, currency = {currency:String})) AS s
                     ON s.customer_id = f.customer_id`;
    }
    const rows = await answerRows<CountsRow>(
      this.ch,
      `SELECT toString(${PERIOD_START_SQL[period]('f.answered_at')}) AS period, ${GROUP_SQL[groupBy]} AS grp,
              countIf(f.metric = 'nps') AS nps_responses,
              countIf(f.nps_class = 'promoter') AS promoters,
              countIf(f.nps_class = 'passive') AS passives,
              countIf(f.nps_class = 'detractor') AS detractors,
              countIf(f.metric = 'csat') AS csat_responses,
              countIf(f.satisfied) AS satisfied,
              toUInt64(sumIf(f.score, f.metric = 'csat')) AS csat_score_sum
       FROM ${this.ch.database}.feedback_answers AS f
       ${segmentJoin}
       WHERE f.answered_at >= toDateTime64({from:Date}, 3, 'UTC')
           AND f.answered_at < toDateTime64(addDays({to:Date}, 1), 3, 'UTC')
       GROUP BY period, grp
       ORDER BY period, grp`,
      { from, to, ...extra },
    );
    const byGroup = new Map<string, Counts>();
    for (const r of rows) byGroup.set(r.grp, add(byGroup.get(r.grp) ?? ZERO, r));
    return {
      from,
      to,
      period,
      groupBy,
      total: scores(rows.reduce<Counts>(add, ZERO)),
      groups: [...byGroup.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([group, c]) => ({ group, ...scores(c) })),
      periods: rows.map((r) => ({ period: r.period, group: r.grp, ...scores(r) })),
    };
  }

  /** Churn and lifetime value of promoters, passives and detractors (view nps_customer_classes). */
  async classes(params: AsOfParams): Promise<NpsClassesAnswer> {
    const { cutoff, currency } = checkAsOf(params);
    const rows = await answerRows<{
      nps_class: string;
      customers: number;
      churned: number;
      revenue_minor: number;
    }>(
      this.ch,
      `SELECT nps_class, count() AS customers, countIf(churned_after_answer) AS churned,
              sum(revenue_minor) AS revenue_minor
       FROM ${this.ch.database}.nps_customer_classes(cutoff = {cutoff:Date}, currency = {currency:String})
       GROUP BY nps_class`,
      { cutoff, currency },
    );
    const byClass = new Map(rows.map((r) => [r.nps_class, r]));
    return {
      cutoff,
      currency,
      classes: NPS_CLASSES.map((npsClass) => {
        const r = byClass.get(npsClass);
        const customers = r?.customers ?? 0;
        const revenue = r?.revenue_minor ?? 0;
        return {
          npsClass,
          customers,
          churned: r?.churned ?? 0,
          churnRate: ratio(r?.churned ?? 0, customers),
          revenue: moneyAmount(revenue, currency),
          averageLtv: customers > 0 ? moneyAmount(revenue / customers, currency) : null,
        };
      }),
    };
  }
}
