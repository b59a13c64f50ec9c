import { campaignStreamId, customerStreamId, deriveEventId } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';

export interface PurchaseSpec {
  readonly minor: number;
  readonly currency?: string;
  readonly orderId?: string;
  readonly channel?: string;
  readonly items?: readonly { sku: string; category: string; quantity: number; unitMinor: number }[];
}

/**
 * Builds recorded customer events the way the store would number them (per-stream revisions, global positions)
 * for hand-checked analytics tests. Event ids are derived from a label, so two builders make identical events.
 */
export class RecordedHistoryBuilder {
  private readonly recorded: RecordedEvent[] = [];
  private readonly revisions = new Map<string, number>();
  private position = 0n;

  constructor(private readonly label = 'history') {}

  get events(): RecordedEvent[] {
    return [...this.recorded];
  }

  acquired(
    customerId: string,
    at: string,
    data: {
      channel?: string;
      campaign?: string;
      referredBy?: string;
      profile?: Record<string, unknown>;
      attributes?: Record<string, string | number | boolean>;
    } = {},
  ): this {
    return this.add(customerId, 'CustomerAcquired', at, {
      channel: data.channel ?? 'organic',
      ...(data.campaign ? { campaign: data.campaign } : {}),
      ...(data.referredBy ? { referredBy: data.referredBy } : {}),
      profile: data.profile ?? {},
      ...(data.attributes ? { attributes: data.attributes } : {}),
    });
  }

  purchased(customerId: string, at: string, spec: PurchaseSpec): this {
    const currency = spec.currency ?? 'EUR';
    const revision = this.revisions.get(customerStreamId(customerId)) ?? -1;
    return this.add(customerId, 'CustomerPurchased', at, {
      orderId: spec.orderId ?? `o-${customerId}-${revision + 1}`,
      amount: { minor: spec.minor, currency },
      ...(spec.channel ? { channel: spec.channel } : {}),
      ...(spec.items
        ? {
            items: spec.items.map((i) => ({
              sku: i.sku,
              category: i.category,
              quantity: i.quantity,
              unitPrice: { minor: i.unitMinor, currency },
            })),
          }
        : {}),
    });
  }

  contacted(customerId: string, at: string, direction: 'inbound' | 'outbound' = 'outbound'): this {
    return this.add(customerId, 'CustomerContacted', at, {
      channel: 'email',
      direction,
      purpose: 'marketing',
    });
  }

  referred(customerId: string, at: string, referredCustomerId: string): this {
    return this.add(customerId, 'CustomerReferred', at, { referredCustomerId, channel: 'link' });
  }

  churned(customerId: string, at: string, reason = 'price'): this {
    return this.add(customerId, 'CustomerChurned', at, { reason, voluntary: true });
  }

  /** What the decider emits before a churned customer's purchase. */
  reactivated(customerId: string, at: string): this {
    return this.add(customerId, 'CustomerReactivated', at, { triggeredBy: 'purchase', churnedAt: at });
  }

  /** A contact with a cost of its own (minor units), or without one (the cost-to-serve table applies). */
  contactedOn(
    customerId: string,
    at: string,
    channel: string,
    cost?: { minor: number; currency?: string },
    direction: 'inbound' | 'outbound' = 'inbound',
  ): this {
    return this.add(customerId, 'CustomerContacted', at, {
      channel,
      direction,
      purpose: 'support',
      ...(cost ? { cost: { minor: cost.minor, currency: cost.currency ?? 'EUR' } } : {}),
    });
  }

  feedback(customerId: string, at: string, metric: 'nps' | 'csat', score: number, comment?: string): this {
    return this.add(customerId, 'CustomerFeedbackGiven', at, {
      metric,
      score,
      channel: 'email',
      surveyId: `survey-${metric}`,
      ...(comment !== undefined ? { comment } : {}),
    });
  }

  complaintOpened(customerId: string, at: string, complaintId: string, category = 'delivery'): this {
    return this.add(customerId, 'CustomerComplaintOpened', at, {
      complaintId,
      category,
      severity: 'medium',
      channel: 'phone',
    });
  }

  complaintResolved(
    customerId: string,
    at: string,
    complaintId: string,
    compensation?: { minor: number; currency?: string },
    accepted = true,
  ): this {
    return this.add(customerId, 'CustomerComplaintResolved', at, {
      complaintId,
      resolution: compensation ? 'refund' : 'apology',
      ...(compensation
        ? { compensation: { minor: compensation.minor, currency: compensation.currency ?? 'EUR' } }
        : {}),
      accepted,
    });
  }

  consent(customerId: string, at: string, granted: boolean, channel = 'email', purpose = 'marketing'): this {
    return this.add(customerId, granted ? 'CustomerConsentGranted' : 'CustomerConsentWithdrawn', at, {
      channel,
      purpose,
      source: 'preference-centre',
    });
  }

  preferences(customerId: string, at: string, data: Record<string, unknown>): this {
    return this.add(customerId, 'CustomerPreferencesSet', at, data);
  }

  /** MarketingSpendRecorded in the campaign's own stream (`campaign-<campaign>`), not a customer's. */
  spend(
    campaign: string,
    at: string,
    spec: { channel: string; periodStart: string; periodEnd: string; minor: number; currency?: string },
  ): this {
    return this.append(campaignStreamId(campaign), 'MarketingSpendRecorded', at, {
      campaign,
      channel: spec.channel,
      periodStart: spec.periodStart,
      periodEnd: spec.periodEnd,
      amount: { minor: spec.minor, currency: spec.currency ?? 'EUR' },
    });
  }

  add(customerId: string, type: string, at: string, data: Record<string, unknown>): this {
    return this.append(customerStreamId(customerId), type, at, data, customerId);
  }

  private append(
    streamId: string,
    type: string,
    at: string,
    data: Record<string, unknown>,
    idLabel: string = streamId,
  ): this {
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    this.position += 1n;
    this.recorded.push({
      eventId: deriveEventId(`${this.label}/${idLabel}`, String(revision)),
      type,
      streamId,
      streamRevision: revision,
      globalPosition: this.position,
      occurredAt: new Date(at).toISOString(),
      recordedAt: new Date(Date.UTC(2030, 0, 1) + Number(this.position) * 1000).toISOString(),
      data,
      metadata: { schemaVersion: 1, source: 'test' },
    });
    return this;
  }
}

/**
 * What the store would record for publishable events appended in order (one stream per customer): per-stream
 * revisions and global positions, occurredAt normalised as the API does. For tests that skip the HTTP path.
 */
export function recordPublished(
  events: Iterable<{
    eventId: string;
    type: string;
    customerId: string;
    occurredAt: string;
    data: object;
    metadata?: { source?: string; correlationId?: string };
  }>,
  firstPosition = 1n,
): RecordedEvent[] {
  const revisions = new Map<string, number>();
  const recorded: RecordedEvent[] = [];
  let position = firstPosition;
  for (const event of events) {
    const revision = (revisions.get(event.customerId) ?? -1) + 1;
    revisions.set(event.customerId, revision);
    recorded.push({
      eventId: event.eventId,
      type: event.type,
      streamId: customerStreamId(event.customerId),
      streamRevision: revision,
      globalPosition: position,
      occurredAt: new Date(event.occurredAt).toISOString(),
      recordedAt: new Date(Date.UTC(2030, 0, 1) + Number(position)).toISOString(),
      data: event.data as Record<string, unknown>,
      metadata: { schemaVersion: 1, ...event.metadata },
    });
    position += 1n;
  }
  return recorded;
}
