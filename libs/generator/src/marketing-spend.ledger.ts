import type { AcquisitionChannel, MarketingSpendRecordedData } from '@crm/domain';
import { isoSeconds } from './calendar/iso-seconds';
import { ACQUISITION_COST } from './catalog/costs.data';
import { COUNTRIES, type CurrencyData, localMoney } from './catalog/countries.data';
import { type PublishedSpendEvent, SOURCE_OF } from './published-event';
import type { SeededRandom } from './random/seeded-random';
import { seededUuid } from './random/uuid';

const DAY_MS = 86_400_000;
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const nextMonth = (ms: number): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};

/** The currency the books are kept in: the customers' own when they all share one, else US dollars. */
export function spendCurrency(countries?: Readonly<Record<string, number>>): CurrencyData {
  const chosen = COUNTRIES.filter((c) => (countries ? (countries[c.code] ?? 0) > 0 : c.weight > 0));
  const single = chosen.length > 0 && chosen.every((c) => c.currency === chosen[0].currency);
  const c = single ? chosen[0] : COUNTRIES.find((x) => x.currency === 'USD');
  return c ?? { currency: 'USD', fx: 1, minorDigits: 2 };
}

/**
 * Marketing spend, as finance books it: per campaign and calendar month, what the campaign's channel costs
 * per customer it brought in (ACQUISITION_COST, with the month's noise) times the customers it acquired that
 * month. Spend is recorded once the month is over (at the first second of the next one, or at the end of
 * the window), so it comes out in time order with the customers' events.
 */
export class MarketingSpendLedger {
  private readonly month = new Map<string, { channel: AcquisitionChannel; customers: number }>();
  private monthStart: number;
  /** When the current month's spend is due (the next month's first instant). */
  due: number;

  constructor(
    private readonly random: SeededRandom,
    private readonly fromMs: number,
    private readonly toMs: number,
    private readonly currency: CurrencyData,
  ) {
    this.monthStart = fromMs;
    this.due = Math.min(nextMonth(fromMs), toMs);
  }

  acquired(campaign: string | undefined, channel: AcquisitionChannel): void {
    if (campaign === undefined || ACQUISITION_COST[channel] === undefined) return;
    const entry = this.month.get(campaign);
    if (entry) entry.customers++;
    else this.month.set(campaign, { channel, customers: 1 });
  }

  /** The spend of the month that ends at `due`, recorded at `due` (at the window's last second at the end). */
  close(): PublishedSpendEvent[] {
    const end = this.due;
    const at = Math.min(end, this.toMs - 1000);
    const events: PublishedSpendEvent[] = [];
    for (const [campaign, { channel, customers }] of this.month) {
      const base =
        (ACQUISITION_COST[channel] ?? 0) * customers * Math.exp(0.25 * this.random.normal() - 0.03);
      const data: MarketingSpendRecordedData = {
        campaign,
        channel,
        periodStart: day(this.monthStart),
        periodEnd: day(end - DAY_MS),
        amount: localMoney(base, this.currency),
      };
      events.push({
        eventId: seededUuid(this.random),
        type: 'MarketingSpendRecorded',
        occurredAt: isoSeconds(at),
        metadata: { source: SOURCE_OF.MarketingSpendRecorded },
        data,
      });
    }
    this.month.clear();
    this.monthStart = end;
    this.due = end >= this.toMs ? Infinity : Math.min(nextMonth(end), this.toMs);
    return events;
  }
}
