import type { ContactChannel, ContactPurpose, CustomerContactedData } from '@crm/domain';
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
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

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

  /** `consents`: the customer's consent mask; `country`: theirs (the contact's cost is in its currency). */
  welcome(consents: number, country: number): CustomerContactedData | undefined {
    if (!allowsMarketing(consents, 'email')) return undefined;
    return this.contact('email', 'outbound', 'marketing', 'welcome', country);
  }

  /** An outbound contact to an active customer: mostly marketing, some sales calls, NPS surveys, loyalty checks. */
  outbound(
    at: Date,
    accountManaged: boolean,
    atRisk: boolean,
    consents: number,
    country: number,
  ): CustomerContactedData | undefined {
    const random = this.random;
    const channel = this.consents.marketingChannel(consents, accountManaged);
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
    } else if (roll < 0.06 && allowsSurvey(consents, channel)) {
      purpose = 'survey';
      campaign = 'nps';
    } else {
      purpose = 'marketing';
      campaign = seasonalCampaign('', at);
    }
    return this.contact(channel, 'outbound', purpose, campaign, country);
  }

  /** An inbound contact from an active customer: a support request, or a pre-sales question. */
  inbound(sales: boolean, country: number): CustomerContactedData {
    const channel = SUPPORT.draw(this.random);
    const purpose = sales ? 'sales' : 'support';
    const data: Mutable<CustomerContactedData> = {
      channel,
      direction: 'inbound',
      purpose,
      agentId: this.agent(),
      outcome: this.random.pick(sales ? SALES_OUTCOMES : SUPPORT_OUTCOMES),
    };
    if (this.costs) data.cost = this.costs.of(channel, country);
    return data;
  }

  /** After a churn: a win-back offer (retention) or an exit survey, the only contacts a churned customer gets. */
  afterChurn(survey: boolean, consents: number, country: number): CustomerContactedData | undefined {
    if (survey)
      return allowsSurvey(consents, 'email')
        ? this.contact('email', 'outbound', 'survey', 'exit-survey', country)
        : undefined;
    const channel = this.consents.retentionChannel(consents);
    return channel === undefined
      ? undefined
      : this.contact(channel, 'outbound', 'retention', 'win-back', country);
  }

  private contact(
    channel: ContactChannel,
    direction: 'inbound' | 'outbound',
    purpose: ContactPurpose,
    campaign: string,
    country: number,
  ): CustomerContactedData {
    // Properties in one order (agentId only where a person serves): stable shapes, stable JSON.
    const data: Mutable<CustomerContactedData> = { channel, direction, purpose, campaign };
    if (PERSONAL.has(channel)) data.agentId = this.agent();
    data.outcome = OUTCOME_CHOICES[channel].draw(this.random);
    if (this.costs) data.cost = this.costs.of(channel, country);
    return data;
  }

  private agent(): string {
    return `agent-${1 + this.random.int(AGENTS)}`;
  }
}
