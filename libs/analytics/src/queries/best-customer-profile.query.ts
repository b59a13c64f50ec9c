import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { checkAsOf, type AsOfParams } from './analytics-query.params';
import { answerRows } from './analytics-rows';

export const PROFILE_ATTRIBUTES = [
  'age_band',
  'country',
  'acquisition_channel',
  'campaign',
  'income_band',
] as const;
export type ProfileAttribute = (typeof PROFILE_ATTRIBUTES)[number];

export interface ProfileValue {
  readonly value: string;
  readonly baseCustomers: number;
  readonly topCustomers: number;
  /** Share of the whole base / of the top decile with this value (0-1, six decimals). */
  readonly baseShare: number;
  readonly topShare: number;
  /** 100 * topShare / baseShare: above 100 the value over-indexes among the best customers. */
  readonly index: number;
}

export interface BestCustomerProfileAnswer {
  readonly cutoff: string;
  readonly currency: string;
  /** Customers of customer_ltv (acquired by the cutoff and comparable in the currency). */
  readonly baseCustomers: number;
  /** ceil(baseCustomers / 10): the best customers by historical LTV. */
  readonly topCustomers: number;
  /** Per attribute, its values by index, highest first (then by value). */
  readonly attributes: Readonly<Record<ProfileAttribute, readonly ProfileValue[]>>;
}

/** Attributes over-indexing among the top LTV decile (view best_customer_profile). */
export class BestCustomerProfileQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async profile(params: AsOfParams): Promise<BestCustomerProfileAnswer> {
    const { cutoff, currency } = checkAsOf(params);
    const rows = await answerRows<{
      attribute: ProfileAttribute;
      value: string;
      base_customers: number;
      top_customers: number;
      base_size: number;
      top_size: number;
      base_share: number;
      top_share: number;
      index: number;
    }>(
      this.ch,
      `SELECT attribute, value, base_customers, top_customers, base_size, top_size, base_share, top_share, index
       FROM ${this.ch.database}.best_customer_profile(cutoff = {cutoff:Date}, currency = {currency:String})
       ORDER BY attribute, index DESC, value`,
      { cutoff, currency },
    );
    const attributes = Object.fromEntries(PROFILE_ATTRIBUTES.map((a) => [a, [] as ProfileValue[]])) as Record<
      ProfileAttribute,
      ProfileValue[]
    >;
    for (const r of rows) {
      attributes[r.attribute].push({
        value: r.value,
        baseCustomers: r.base_customers,
        topCustomers: r.top_customers,
        baseShare: r.base_share,
        topShare: r.top_share,
        index: r.index,
      });
    }
    return {
      cutoff,
      currency,
      baseCustomers: rows[0]?.base_size ?? 0,
      topCustomers: rows[0]?.top_size ?? 0,
      attributes,
    };
  }
}
