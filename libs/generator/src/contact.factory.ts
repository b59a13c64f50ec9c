import type { ContactChannel, ContactPurpose, CustomerContactedData } from '@crm/domain';
import { seasonalCampaign } from './catalog/campaigns';
import { MARKETING_CHANNELS, OUTCOMES, RETENTION_CHANNELS, SUPPORT_CHANNELS } from './catalog/channels.data';
import { WeightedChoice } from './random/weighted-choice';
import type { SeededRandom } from './random/seeded-random';

const MARKETING = WeightedChoice.of(MARKETING_CHANNELS);
const MARKETING_WITHOUT_MEETINGS = WeightedChoice.of(MARKETING_CHANNELS.filter(([c]) => c !== 'meeting'));
const SUPPORT = WeightedChoice.of(SUPPORT_CHANNELS);
const RETENTION = WeightedChoice.of(RETENTION_CHANNELS);
const SUPPORT_OUTCOMES = ['resolved', 'resolved', 'resolved', 'escalated', 'follow_up', 'refund_issued'];
const SALES_OUTCOMES = ['answered', 'quote_sent', 'converted'];
const AGENTS = 250;
const PERSONAL: ReadonlySet<ContactChannel> = new Set(['phone', 'meeting', 'chat']);

/** Contacts of every channel, direction and purpose, as the decider allows them for the customer's status. */
export class ContactFactory {
  constructor(private readonly random: SeededRandom) {}

  welcome(): CustomerContactedData {
    return {
      channel: 'email',
      direction: 'outbound',
      purpose: 'marketing',
      campaign: 'welcome',
      outcome: this.outcome('email'),
    };
  }

  /** An outbound contact to an active customer: mostly marketing, some sales calls, NPS surveys, loyalty checks. */
  outbound(at: Date, highIncome: boolean, atRisk: boolean): CustomerContactedData {
    const random = this.random;
    const channel = (highIncome ? MARKETING : MARKETING_WITHOUT_MEETINGS).draw(random);
    const roll = random.float();
    let purpose: ContactPurpose;
    let campaign: string;
    if (channel === 'meeting' || (channel === 'phone' && roll < 0.6)) {
      purpose = 'sales';
      campaign = seasonalCampaign('account-', at);
    } else if (atRisk && roll < 0.3) {
      purpose = 'retention';
      campaign = 'we-miss-you';
    } else if (roll < 0.06) {
      purpose = 'survey';
      campaign = 'nps';
    } else {
      purpose = 'marketing';
      campaign = seasonalCampaign('', at);
    }
    return this.contact(channel, 'outbound', purpose, campaign);
  }

  /** An inbound contact from an active customer: a support request, or a pre-sales question. */
  inbound(sales: boolean): CustomerContactedData {
    const channel = SUPPORT.draw(this.random);
    const purpose = sales ? 'sales' : 'support';
    return {
      channel,
      direction: 'inbound',
      purpose,
      agentId: this.agent(),
      outcome: this.random.pick(sales ? SALES_OUTCOMES : SUPPORT_OUTCOMES),
    };
  }

  /** After a churn: a win-back offer (retention) or an exit survey, the only contacts a churned customer gets. */
  afterChurn(survey: boolean): CustomerContactedData {
    if (survey) return this.contact('email', 'outbound', 'survey', 'exit-survey');
    return this.contact(RETENTION.draw(this.random), 'outbound', 'retention', 'win-back');
  }

  private contact(
    channel: ContactChannel,
    direction: 'inbound' | 'outbound',
    purpose: ContactPurpose,
    campaign: string,
  ): CustomerContactedData {
    return {
      channel,
      direction,
      purpose,
      campaign,
      ...(PERSONAL.has(channel) ? { agentId: this.agent() } : {}),
      outcome: this.outcome(channel),
    };
  }

  private outcome(channel: ContactChannel): string {
    return this.random.pick(OUTCOMES[channel]);
  }

  private agent(): string {
    return `agent-${1 + this.random.int(AGENTS)}`;
  }
}
