import type { ContactChannel, CustomerFeedbackGivenData, FeedbackChannel } from '@crm/domain';
import { CATEGORIES } from './catalog/categories.data';
import { COMMENTS, NPS_CHANNELS, npsSurveyId } from './catalog/feedback.data';
import type { FeedbackModel } from './lifecycle.options';
import type { SeededRandom } from './random/seeded-random';
import { WeightedChoice } from './random/weighted-choice';

const CHANNELS = WeightedChoice.of(NPS_CHANNELS);
/** A CSAT survey answered where the support contact happened (e-mail, phone, chat), else on the web. */
const CSAT_CHANNEL: Readonly<Partial<Record<ContactChannel, FeedbackChannel>>> = {
  email: 'email',
  phone: 'phone',
  chat: 'chat',
};

/** NPS classes: 0-6 detractor, 7-8 passive, 9-10 promoter. */
export const npsClass = (score: number): 'detractor' | 'passive' | 'promoter' =>
  score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter';
/** The comment an answer of each NPS class may come with. */
const NPS_TONE = { detractor: 'negative', passive: 'neutral', promoter: 'positive' } as const;

/**
 * Survey answers. The score follows the customer's latent mood plus the moment's noise, lowered while a
 * complaint is open: on average about half promoters, a quarter detractors.
 */
export class FeedbackFactory {
  constructor(
    private readonly random: SeededRandom,
    private readonly model: FeedbackModel,
  ) {}

  nps(at: Date, mood: number, complaintOpen: boolean, orderId: string): CustomerFeedbackGivenData {
    const z = this.feeling(mood, complaintOpen);
    const score = Math.min(10, Math.max(0, Math.round(8.2 + 2.3 * z)));
    return {
      metric: 'nps',
      score,
      channel: CHANNELS.draw(this.random),
      surveyId: npsSurveyId(at),
      orderId,
      ...this.comment(NPS_TONE[npsClass(score)], orderId),
    };
  }

  csat(
    mood: number,
    complaintOpen: boolean,
    contactChannel: ContactChannel,
    contactEventId: string,
  ): CustomerFeedbackGivenData {
    const z = this.feeling(mood, complaintOpen);
    const score = Math.min(5, Math.max(1, Math.round(4 + 1.1 * z)));
    const channel = CSAT_CHANNEL[contactChannel] ?? 'web';
    return {
      metric: 'csat',
      score,
      channel,
      surveyId: `csat-support-${contactChannel}`,
      contactEventId,
      ...this.comment(score <= 2 ? 'negative' : score === 3 ? 'neutral' : 'positive', undefined),
    };
  }

  private feeling(mood: number, complaintOpen: boolean): number {
    return 0.8 * mood + 0.6 * this.random.normal() - (complaintOpen ? 1.2 : 0);
  }

  private comment(tone: keyof typeof COMMENTS, orderId: string | undefined): { comment?: string } {
    const random = this.random;
    if (!random.chance(this.model.commentShare)) return {};
    const templates = COMMENTS[tone].filter((t) => orderId !== undefined || !t.includes('{order}'));
    const text = random
      .pick(templates)
      .replace('{order}', orderId ?? '')
      .replace('{category}', random.pick(CATEGORIES).name);
    return { comment: text };
  }
}
