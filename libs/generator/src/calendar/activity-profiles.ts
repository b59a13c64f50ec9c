import type { ActivityProfile } from './seasonal-clock';

//                 0    1    2    3    4    5    6    7    8    9   10   11   12   13   14   15   16   17   18   19   20   21   22   23
const SHOPPING = [
  0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.2, 1.5, 1.7, 1.8, 1.9, 1.8, 1.7, 1.7, 1.8, 2.0, 2.3, 2.5, 2.6,
  2.2, 1.5, 0.8,
];
const LEISURE = [
  0.5, 0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 2.0, 2.3, 2.4, 2.3, 2.2, 2.2, 2.2, 2.2, 2.3, 2.4, 2.3,
  2.0, 1.5, 0.9,
];
const OFFICE = [
  0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1, 2.5, 3, 3, 2.8, 2, 2.6, 2.8, 2.8, 2.5, 1.5, 0.6, 0.3, 0.2, 0.1,
  0.05, 0.05,
];
const QUIET = OFFICE.map((w) => w / 4 + 0.05);

/** Purchases: retail's year (November-December peak, quiet after the holidays), evenings, weekends. */
export const PURCHASE_ACTIVITY: ActivityProfile = {
  month: [0.85, 0.8, 0.9, 0.95, 1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 1.35, 1.6],
  weekday: [1.15, 0.9, 0.9, 0.95, 1.0, 1.05, 1.2],
  hourOnWeekdays: SHOPPING,
  hourOnWeekends: LEISURE,
};

/** Sign-ups: New Year resolutions, Black Friday and spring campaigns. */
export const ACQUISITION_ACTIVITY: ActivityProfile = {
  month: [1.35, 1.05, 1.1, 1.05, 1.0, 0.85, 0.75, 0.75, 1.0, 1.0, 1.25, 0.95],
  weekday: [0.9, 1.1, 1.05, 1.0, 1.0, 0.95, 0.9],
  hourOnWeekdays: SHOPPING,
  hourOnWeekends: LEISURE,
};

/** Outbound contacts: sent in office hours, on working days, fewer in August and late December. */
export const CONTACT_ACTIVITY: ActivityProfile = {
  month: [1.0, 1.0, 1.05, 1.0, 1.0, 0.95, 0.85, 0.7, 1.05, 1.1, 1.3, 0.9],
  weekday: [0.15, 1.1, 1.2, 1.2, 1.2, 1.0, 0.2],
  hourOnWeekdays: OFFICE,
  hourOnWeekends: QUIET,
};
