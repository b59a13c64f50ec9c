/**
 * Product categories with their share of baskets and their seasonality: a multiplier per month (Jan..Dec)
 * on the chance that a basket bought in that month is of this category. `price` scales the unit price of
 * a line relative to the basket's value draw; `ageTilt` over-weights it for some age bands
 * (18-24, 25-34, 35-44, 45-54, 55-64, 65+).
 */
export interface CategoryData {
  readonly name: string;
  readonly skuPrefix: string;
  readonly weight: number;
  readonly season: readonly number[];
  readonly ageTilt: readonly number[];
}

const FLAT = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
const NO_TILT = [1, 1, 1, 1, 1, 1];

export const CATEGORIES: readonly CategoryData[] = [
  {
    name: 'books',
    skuPrefix: 'BK',
    weight: 12,
    season: [1.1, 1, 1, 1, 1, 1.1, 1.3, 1.3, 1.1, 1, 1.1, 1.5],
    ageTilt: [0.9, 0.9, 1, 1.1, 1.2, 1.3],
  },
  {
    name: 'electronics',
    skuPrefix: 'EL',
    weight: 14,
    season: [1.1, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.1, 1, 2.2, 2.0],
    ageTilt: [1.4, 1.3, 1.1, 0.9, 0.7, 0.5],
  },
  {
    name: 'toys',
    skuPrefix: 'TY',
    weight: 8,
    season: [0.5, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 1.1, 2.3, 4.0],
    ageTilt: [0.4, 1.2, 1.8, 1.0, 0.8, 1.1],
  },
  {
    name: 'garden',
    skuPrefix: 'GD',
    weight: 7,
    season: [0.3, 0.5, 1.8, 2.8, 3.0, 2.2, 1.2, 0.8, 0.7, 0.5, 0.3, 0.3],
    ageTilt: [0.3, 0.6, 1.0, 1.3, 1.6, 1.7],
  },
  {
    name: 'fashion',
    skuPrefix: 'FS',
    weight: 16,
    season: [1.3, 0.9, 1.0, 1.1, 1.0, 0.9, 1.2, 0.9, 1.1, 1.0, 1.1, 1.1],
    ageTilt: [1.6, 1.3, 1.0, 0.9, 0.8, 0.6],
  },
  {
    name: 'sports',
    skuPrefix: 'SP',
    weight: 9,
    season: [1.6, 1.1, 1.1, 1.1, 1.3, 1.4, 1.2, 1.0, 0.9, 0.8, 0.8, 0.9],
    ageTilt: [1.5, 1.3, 1.1, 0.9, 0.7, 0.5],
  },
  {
    name: 'beauty',
    skuPrefix: 'BT',
    weight: 9,
    season: [0.9, 1.2, 1.0, 1.0, 1.1, 1.0, 1.0, 0.9, 0.9, 0.9, 1.1, 1.4],
    ageTilt: [1.4, 1.2, 1.0, 0.9, 0.9, 0.8],
  },
  {
    name: 'home',
    skuPrefix: 'HM',
    weight: 12,
    season: [1.2, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0, 1.1, 1.0, 1.2, 1.0],
    ageTilt: [0.6, 1.2, 1.2, 1.1, 1.0, 0.9],
  },
  { name: 'grocery', skuPrefix: 'GR', weight: 10, season: FLAT, ageTilt: NO_TILT },
  {
    name: 'music',
    skuPrefix: 'MU',
    weight: 3,
    season: [1, 0.9, 0.9, 0.9, 0.9, 0.9, 1, 1, 1, 1, 1.2, 1.6],
    ageTilt: [1.3, 1.1, 0.9, 0.9, 1.0, 1.0],
  },
];

/** Age bands (in years at acquisition) and their share of new customers. */
export const AGE_BANDS: readonly { readonly min: number; readonly max: number; readonly weight: number }[] = [
  { min: 18, max: 24, weight: 12 },
  { min: 25, max: 34, weight: 24 },
  { min: 35, max: 44, weight: 22 },
  { min: 45, max: 54, weight: 18 },
  { min: 55, max: 64, weight: 14 },
  { min: 65, max: 85, weight: 10 },
];

/** Yearly income bands, from lowest to highest. */
export const INCOME_BANDS = ['0-20k', '20-40k', '40-60k', '60-80k', '80-120k', '120k+'] as const;
