import { checkNumber } from './analytics-query.params';

/**
 * The economics the profitability answers use, from the validated configuration (libs/config
 * `customerEconomics`: PROFIT_MARGIN, COST_TO_SERVE, COST_TO_SERVE_CURRENCY).
 */
export interface CustomerEconomics {
  /** Share of revenue that is gross margin, 0-1. */
  readonly margin: number;
  /** Cost of a contact without a cost of its own, per channel, in minor units of `currency`. */
  readonly costToServe: {
    readonly currency: string;
    readonly minorByChannel: Readonly<Partial<Record<string, number>>>;
  };
}

/** Revenue counted whole, no per-channel costs: only the costs and compensation the events carry. */
export const EVENTS_ONLY_ECONOMICS: CustomerEconomics = {
  margin: 1,
  costToServe: { currency: 'XXX', minorByChannel: {} },
};

/**
 * The parameters of the views customer_profitability and portfolio_profitability for an answer in
 * `currency`: the table applies only to answers in its own currency (amounts are never converted).
 */
export function economicsViewParams(
  economics: CustomerEconomics,
  currency: string,
): { margin: number; cost_channels: string[]; cost_minor: number[] } {
  const margin = checkNumber('margin', economics.margin, 0, 1);
  const table =
    economics.costToServe.currency === currency ? Object.entries(economics.costToServe.minorByChannel) : [];
  const priced = table.filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  return { margin, cost_channels: priced.map(([c]) => c), cost_minor: priced.map(([, m]) => m) };
}

/** Rounds to six decimals (shares, rates); null when there is nothing to divide by. */
export const ratio = (numerator: number, denominator: number): number | null =>
  denominator > 0 ? Math.round((numerator / denominator) * 1e6) / 1e6 : null;
