export const DAY_MS = 86_400_000;

/** Relative intensity of activity by month (Jan..Dec), weekday (Sun..Sat) and hour of day (UTC). */
export interface ActivityProfile {
  readonly month: readonly number[];
  readonly weekday: readonly number[];
  readonly hourOnWeekdays: readonly number[];
  readonly hourOnWeekends: readonly number[];
}

/**
 * A time change between calendar time (epoch ms) and "operational time" (days of average activity).
 *
 * Activity has a piecewise-constant intensity: month x weekday per day, and an hour-of-day profile inside
 * each day, normalised so that operational time advances exactly as many days as the calendar does over
 * [from, to). A homogeneous Poisson process in operational time becomes, mapped through `toCalendar`, a
 * process whose events follow the seasons, the week and the time of day, while counts over any interval
 * stay those of the homogeneous process over its operational length (which is how the BG/NBD expectations
 * are checked exactly in the tests).
 *
 * Outside the table (before `from`, after `to` plus a margin) time passes linearly.
 */
export class SeasonalClock {
  private readonly origin: number;
  private readonly days: number;
  private readonly weight: Float64Array;
  private readonly cumulative: Float64Array;
  private readonly hourCumulative: readonly Float64Array[];

  constructor(profile: ActivityProfile, fromMs: number, toMs: number, marginDays = 7) {
    this.origin = Math.floor(fromMs / DAY_MS) * DAY_MS;
    this.days = Math.ceil((toMs - this.origin) / DAY_MS) + marginDays;
    this.weight = new Float64Array(this.days);
    for (let d = 0; d < this.days; d++) {
      const date = new Date(this.origin + d * DAY_MS);
      this.weight[d] =
        positive(profile.month[date.getUTCMonth()]) * positive(profile.weekday[date.getUTCDay()]);
    }
    // Normalise on the window itself: the mean daily weight over [from, to) is 1.
    const first = (fromMs - this.origin) / DAY_MS;
    const span = (toMs - fromMs) / DAY_MS;
    let windowWeight = 0;
    for (let d = Math.floor(first); d < first + span; d++) {
      const overlap = Math.min(d + 1, first + span) - Math.max(d, first);
      if (overlap > 0) windowWeight += this.weight[d] * overlap;
    }
    const scale = span > 0 ? span / windowWeight : 1;
    this.cumulative = new Float64Array(this.days + 1);
    for (let d = 0; d < this.days; d++) {
      this.weight[d] *= scale;
      this.cumulative[d + 1] = this.cumulative[d] + this.weight[d];
    }
    this.hourCumulative = [hourTable(profile.hourOnWeekdays), hourTable(profile.hourOnWeekends)];
  }

  /** Operational time (days) at a calendar instant. */
  toOperational(ms: number): number {
    const x = (ms - this.origin) / DAY_MS;
    const d = Math.floor(x);
    if (d < 0) return x;
    if (d >= this.days) return this.cumulative[this.days] + (x - this.days);
    const hours = this.hoursOf(d);
    const h24 = (x - d) * 24;
    const h = Math.min(23, Math.floor(h24));
    const within = hours[h] + (hours[h + 1] - hours[h]) * (h24 - h);
    return this.cumulative[d] + this.weight[d] * within;
  }

  /** The calendar instant (epoch ms) at an operational time. */
  toCalendar(op: number): number {
    if (op < 0) return this.origin + op * DAY_MS;
    const end = this.cumulative[this.days];
    if (op >= end) return this.origin + (this.days + (op - end)) * DAY_MS;
    let lo = 0;
    let hi = this.days - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.cumulative[mid] <= op) lo = mid;
      else hi = mid - 1;
    }
    const d = lo;
    const within = (op - this.cumulative[d]) / this.weight[d];
    const hours = this.hoursOf(d);
    let h = 0;
    while (h < 23 && hours[h + 1] <= within) h++;
    const fraction = (h + (within - hours[h]) / (hours[h + 1] - hours[h])) / 24;
    return this.origin + (d + Math.min(fraction, 1)) * DAY_MS;
  }

  /** The calendar instant after `fromMs` at which `opDays` of operational time have passed. */
  advance(fromMs: number, opDays: number): number {
    return this.toCalendar(this.toOperational(fromMs) + opDays);
  }

  private hoursOf(day: number): Float64Array {
    const dow = (((Math.floor(this.origin / DAY_MS) + day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    return this.hourCumulative[dow === 0 || dow === 6 ? 1 : 0];
  }
}

function hourTable(weights: readonly number[]): Float64Array {
  if (weights.length !== 24) throw new RangeError('an hour profile needs 24 weights');
  const table = new Float64Array(25);
  const total = weights.reduce((sum, w) => sum + positive(w), 0);
  for (let h = 0; h < 24; h++) table[h + 1] = table[h] + positive(weights[h]) / total;
  table[24] = 1;
  return table;
}

function positive(w: number | undefined): number {
  if (w === undefined || !(w > 0) || !Number.isFinite(w)) {
    throw new RangeError(`activity weights must be finite and > 0, got ${String(w)}`);
  }
  return w;
}
