import type { ContactChannel, ContactPurpose, CustomerContactedData, Money } from '@crm/domain';
import { seasonalCampaign } from './catalog/campaigns';
import { OUTCOMES, SUPPORT_CHANNELS } from './catalog/channels.data';
import { allowsMarketing, allowsSurvey, type ConsentFactory } from './consent.factory';
import type { ContactCosts } from './contact-costs';
import { WeightedChoice } from './random/weighted-choice';
import type { SeededRandom } from './random/seeded-random';

const SUPPORT = WeightedChoice.of(SUPPORT_CHANNELS);
const OUTCOME_CHOICES = Object.fromEntries(
  Object.entries(OUTCOMES).map(([channel, outcomes]) => [channel, WeightedChoice.of(outcomes)]),
) as Record<ContactChannel, WeightedChoice<string>>;
const SUPPORT_OUTCOMES = ['resolved', 'resolved', 'resolved', 'escalated', 'follow_up', 'refund_issued'];
const SALES_OUTCOMES = ['answered', 'quote_sent', 'converted'];
const AGENTS = 250;
const PERSONAL: ReadonlySet<ContactChannel> = new Set(['phone', 'meeting', 'chat']);

/** Who is contacted: the customer's consent mask and country (for the contact's cost). */
export interface ContactTarget {
  readonly consents: number;
  readonly country: number;
}

/**
 * Contacts of every channel, direction and purpose, as the decider allows them for the customer's status
 * and consents: outbound contacts go only on channels the customer consented to (marketing, or surveys for
 * a survey); with no such channel there is no contact (undefined).
 */
export class ContactFactory {
  constructor(
    private readonly random: SeededRandom,
    private readonly consents: ConsentFactory,
    private readonly costs: ContactCosts | undefined,
  ) {}

  welcome(to: ContactTarget): CustomerContactedData | undefined {
    if (!allowsMarketing(to.consents, 'email')) return undefined;
    return this.contact('email', 'outbound', 'marketing', 'welcome', to);
  }

  /** An outbound contact to an active customer: mostly marketing, some sales calls, NPS surveys, loyalty checks. */
  outbound(
    at: Date,
    accountManaged: boolean,
    atRisk: boolean,
    to: ContactTarget,
  ): CustomerContactedData | undefined {
    const random = this.random;
    const channel = this.consents.marketingChannel(to.consents, accountManaged);
    if (channel === undefined) return undefined;
    const roll = random.float();
    let purpose: ContactPurpose;
    let campaign: string;
    if (channel === 'meeting' || (channel === 'phone' && roll < 0.6)) {
      purpose = 'sales';
      campaign = seasonalCampaign('account-', at);
    } else if (atRisk && roll < 0.3) {
      purpose = 'retention';
      campaign = 'we-miss-you';
    } else if (roll < 0.06 && allowsSurvey(to.consents, channel)) {
      purpose = 'survey';
      campaign = 'nps';
    } else {
      purpose = 'marketing';
      campaign = seasonalCampaign('', at);
    }
    return this.contact(channel, 'outbound', purpose, campaign, to);
  }

  /** An inbound contact from an active customer: a support request, or a pre-sales question. */
  inbound(sales: boolean, to: ContactTarget): CustomerContactedData {
    const channel = SUPPORT.draw(this.random);
    const purpose = sales ? 'sales' : 'support';
    const cost = this.costs?.of(channel, to.country);
    return {
      channel,
      direction: 'inbound',
      purpose,
      agentId: this.agent(),
      outcome: this.random.pick(sales ? SALES_OUTCOMES : SUPPORT_OUTCOMES),
      ...(cost ? { cost } : {}),
    };
  }

  /** After a churn: a win-back offer (retention) or an exit survey, the only contacts a churned customer gets. */
  afterChurn(survey: boolean, to: ContactTarget): CustomerContactedData | undefined {
    if (survey)
      return allowsSurvey(to.consents, 'email')
        ? this.contact('email', 'outbound', 'survey', 'exit-survey', to)
        : undefined;
    const channel = this.consents.retentionChannel(to.consents);
    return channel === undefined ? undefined : this.contact(channel, 'outbound', 'retention', 'win-back', to);
  }

  private contact(
    channel: ContactChannel,
    direction: 'inbound' | 'outbound',
    purpose: ContactPurpose,
    campaign: string,
    to: ContactTarget,
  ): CustomerContactedData {
    const cost: Money | undefined = this.costs?.of(channel, to.country);
    return {
      channel,
      direction,
      purpose,
      campaign,
      ...(PERSONAL.has(channel) ? { agentId: this.agent() } : {}),
      outcome: OUTCOME_CHOICES[channel].draw(this.random),
      ...(cost ? { cost } : {}),
    };
  }

  private agent(): string {
    return `agent-${1 + this.random.int(AGENTS)}`;
  }
}
