import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import {
  checkFilter,
  checkPeriod,
  filterSql,
  type CustomerFilter,
  type PeriodParams,
} from './analytics-query.params';
import { answerRows } from './analytics-rows';

export const FUNNEL_STAGES = [
  'acquired',
  'active',
  'purchasing',
  'repeat',
  'churned',
  'reactivated',
] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

export interface FunnelStageCount {
  readonly stage: FunnelStage;
  readonly customers: number;
  /** customers / acquired (0-1, six decimals). */
  readonly shareOfAcquired: number;
  /**
   * customers / the stage it narrows: active of acquired, purchasing of active, repeat of purchasing,
   * churned of acquired, reactivated of churned. Null when that stage is empty.
   */
  readonly conversion: number | null;
}

export interface LifecycleFunnelAnswer {
  readonly from: string;
  readonly to: string;
  readonly filter: CustomerFilter;
  readonly stages: readonly FunnelStageCount[];
  /** Churned and not back by the end of the period. */
  readonly churnedAtEnd: number;
}

/** Which stage each one narrows (for `conversion`). */
const NARROWS: Record<FunnelStage, FunnelStage | undefined> = {
  acquired: undefined,
  active: 'acquired',
  purchasing: 'active',
  repeat: 'purchasing',
  churned: 'acquired',
  reactivated: 'churned',
};

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : null);

/** The lifecycle funnel of the customers acquired in a period (views lifecycle_customers, lifecycle_funnel). */
export class LifecycleFunnelQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async funnel(params: PeriodParams & { filter?: CustomerFilter }): Promise<LifecycleFunnelAnswer> {
    const { from, to } = checkPeriod(params);
    const filter = checkFilter(params.filter ?? {});
    const where = filterSql(filter);
    const [row] = await answerRows<Record<FunnelStage | 'churned_at_end', number>>(
      this.ch,
      `SELECT count() AS acquired, countIf(active) AS active, countIf(purchasing) AS purchasing,
              countIf(repeat_buyer) AS repeat, countIf(churned) AS churned, countIf(reactivated) AS reactivated,
              countIf(churned_at_end) AS churned_at_end
       FROM ${this.ch.database}.lifecycle_customers(start_date = {from:Date}, end_date = {to:Date})
       WHERE 1 = 1${where.sql}`,
      { from, to, ...where.params },
    );
    const stages = FUNNEL_STAGES.map((stage) => {
      const narrows = NARROWS[stage];
      return {
        stage,
        customers: row[stage],
        shareOfAcquired: ratio(row[stage], row.acquired) ?? 0,
        conversion: narrows ? ratio(row[stage], row[narrows]) : null,
      };
    });
    return { from, to, filter, stages, churnedAtEnd: row.churned_at_end };
  }
}
