const SEASON_BY_MONTH = [
  'new-year',
  'new-year',
  'spring',
  'spring',
  'spring',
  'summer',
  'summer',
  'summer',
  'back-to-school',
  'autumn',
  'black-friday',
  'holiday',
];

/** The marketing season of a month (0-11), as campaign names use it. */
export const seasonOf = (month: number): string => SEASON_BY_MONTH[month];

/** A campaign name such as `black-friday-25` for a season's push in the given year. */
export const seasonalCampaign = (prefix: string, date: Date): string =>
  `${prefix}${seasonOf(date.getUTCMonth())}-${String(date.getUTCFullYear() % 100).padStart(2, '0')}`;

export const PARTNERS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'] as const;
