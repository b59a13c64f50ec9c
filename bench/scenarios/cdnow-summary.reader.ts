import type { ClvCustomerSummary } from '@crm/analytics';
import { readFileSync } from 'node:fs';

/** The calibration period's end in the CDNOW papers (39 weeks after 1 January 1997, the cutoff day included). */
export const CDNOW_CUTOFF = '1997-09-30';

const DAY_MS = 86_400_000;

/**
 * The CLV summary of a CDNOW purchase log (customer_id, YYYYMMDD, number_of_cds, dollar_value per line, the
 * master's layout), under the clv_summary view's conventions: one transaction per customer-day (same-day
 * orders summed), t_x and T in days / 7 from the first purchase day, x and the mean repeat value counted up
 * to the cutoff day inclusive. Read from the file directly, so the bench needs no store to compare fits.
 */
export function cdnowSummary(path: string, cutoff = CDNOW_CUTOFF): ClvCustomerSummary[] {
  const cutoffDay = Date.parse(cutoff) / DAY_MS;
  const days = new Map<string, Map<number, number>>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4 || !/^\d{8}$/.test(fields[1])) continue;
    const [customer, ymd, , dollars] = fields;
    const day = Date.UTC(+ymd.slice(0, 4), +ymd.slice(4, 6) - 1, +ymd.slice(6, 8)) / DAY_MS;
    if (day > cutoffDay) continue;
    const perDay = days.get(customer) ?? new Map<number, number>();
    perDay.set(day, (perDay.get(day) ?? 0) + Math.round(Number(dollars) * 100));
    days.set(customer, perDay);
  }
  const summary: ClvCustomerSummary[] = [];
  for (const [customerId, perDay] of days) {
    const sorted = [...perDay.keys()].sort((a, b) => a - b);
    const [first, last] = [sorted[0], sorted[sorted.length - 1]];
    const revenueMinor = sorted.reduce((sum, d) => sum + perDay.get(d)!, 0);
    const x = sorted.length - 1;
    summary.push({
      customerId,
      x,
      tx: (last - first) / 7,
      T: (cutoffDay - first) / 7,
      revenueMinor,
      meanRepeatMinor: x > 0 ? (revenueMinor - perDay.get(first)!) / x : 0,
    });
  }
  return summary.sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
}
