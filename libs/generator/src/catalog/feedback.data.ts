import type { FeedbackChannel } from '@crm/domain';

/** Where NPS answers after a purchase come in. */
export const NPS_CHANNELS: readonly (readonly [FeedbackChannel, number])[] = [
  ['email', 40],
  ['web', 20],
  ['app', 15],
  ['sms', 10],
  ['in_store', 6],
  ['phone', 5],
  ['chat', 2],
  ['mail', 2],
];

/**
 * Free-text comments by how the customer feels. `{order}` is the order's id, `{category}` a product
 * category; comments are personal data (sealed with the customer's key), so some carry personal details.
 */
export const COMMENTS = {
  negative: [
    'Delivery took far too long and nobody told me why.',
    'The {category} from order {order} arrived damaged.',
    'Too expensive for what you get.',
    'I waited forty minutes on the phone and the problem is still there.',
    'Nobody answered my e-mails about order {order}.',
    'Checkout kept failing, I almost gave up.',
    'The agent was rude. Please call me back on my mobile, not at work.',
  ],
  neutral: [
    'Fine, nothing special.',
    'Good products, delivery could be faster.',
    'OK overall; the website is a bit confusing.',
    'Decent prices, but the {category} range is small.',
    'It did the job.',
  ],
  positive: [
    'Great service, fast delivery!',
    'Love the {category} selection, will buy again.',
    'The support agent solved my problem in minutes. Thank you!',
    'Recommended you to my sister already.',
    'Order {order} arrived a day early, very happy.',
    'Best prices I found, and returns are easy.',
  ],
} as const;

/** Survey ids: one NPS wave per quarter, one CSAT survey per support channel. */
export const npsSurveyId = (at: Date): string =>
  `nps-${at.getUTCFullYear()}-q${Math.floor(at.getUTCMonth() / 3) + 1}`;
