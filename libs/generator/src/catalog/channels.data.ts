import type { AcquisitionChannel, ContactChannel } from '@crm/domain';

/** Share of acquisitions per channel (referral is drawn separately, when a promoter is available). */
export const ACQUISITION_CHANNEL_WEIGHTS: readonly (readonly [
  Exclude<AcquisitionChannel, 'referral'>,
  number,
])[] = [
  ['organic', 24],
  ['paid_search', 22],
  ['paid_social', 16],
  ['email', 8],
  ['partner', 8],
  ['direct', 14],
  ['offline', 8],
];

/**
 * Channels that bring in more frequent buyers than average, and those that bring in fewer: applied as a tilt
 * on the channel draw given the customer's (already drawn) purchase rate, so the rate's population
 * distribution stays exactly Gamma(r, alpha) while channels differ in the quality of customers they bring.
 */
export const HIGH_VALUE_CHANNEL_TILT: Readonly<Partial<Record<AcquisitionChannel, number>>> = {
  organic: 1.4,
  direct: 1.5,
  email: 1.2,
  paid_social: 0.6,
  partner: 0.8,
};

export const REFERRAL_CHANNELS = ['link', 'code', 'email', 'social', 'in_store'] as const;

export const PURCHASE_CHANNELS: readonly (readonly [string, number])[] = [
  ['online', 52],
  ['mobile_app', 24],
  ['store', 18],
  ['marketplace', 4],
  ['phone', 2],
];

/** Outbound marketing mix; meetings are for high-income customers only (account managers). */
export const MARKETING_CHANNELS: readonly (readonly [ContactChannel, number])[] = [
  ['email', 55],
  ['push', 14],
  ['sms', 9],
  ['social', 8],
  ['mail', 7],
  ['phone', 5],
  ['meeting', 2],
];

export const SUPPORT_CHANNELS: readonly (readonly [ContactChannel, number])[] = [
  ['chat', 40],
  ['email', 25],
  ['phone', 25],
  ['social', 7],
  ['meeting', 3],
];

export const RETENTION_CHANNELS: readonly (readonly [ContactChannel, number])[] = [
  ['email', 55],
  ['phone', 20],
  ['sms', 15],
  ['mail', 10],
];

/** Contact outcomes per channel, with how often each happens (an unsubscribe is a rare e-mail outcome). */
export const OUTCOMES: Readonly<Record<ContactChannel, readonly (readonly [string, number])[]>> = {
  email: [
    ['delivered', 40],
    ['opened', 32],
    ['clicked', 17],
    ['bounced', 8],
    ['unsubscribed', 3],
  ],
  push: [
    ['delivered', 1],
    ['opened', 1],
    ['dismissed', 1],
  ],
  sms: [
    ['delivered', 1],
    ['clicked', 1],
    ['failed', 1],
  ],
  social: [
    ['impression', 1],
    ['engaged', 1],
    ['replied', 1],
  ],
  mail: [
    ['sent', 1],
    ['returned', 1],
  ],
  phone: [
    ['answered', 1],
    ['no_answer', 1],
    ['voicemail', 1],
    ['callback_requested', 1],
  ],
  meeting: [
    ['held', 1],
    ['rescheduled', 1],
    ['cancelled', 1],
  ],
  chat: [
    ['resolved', 1],
    ['escalated', 1],
    ['abandoned', 1],
  ],
};
