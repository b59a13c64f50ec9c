import type { ConsentPolicy } from '@crm/domain';
import { EVENT_STORE, type EventStore } from '@crm/event-store';
import { Inject, Injectable } from '@nestjs/common';
import {
  validateMarketingSpend,
  type MarketingSpendValidation,
  type ValidMarketingSpend,
} from './contract/marketing-spend.validator';
import { CustomerEventsPublisher } from './publish/customer-events.publisher';
import { MarketingSpendPublisher, type MarketingSpendOutcome } from './publish/marketing-spend.publisher';
import { PersonalDataEraser, type ErasureOutcome, type ErasureRequest } from './publish/personal-data.eraser';
import type { PublishContext, PublishOptions, PublishOutcome } from './publish/publish.outcome';
import { CustomerStreamRepository } from './streams/customer-stream.repository';
import { DeciderStateCache } from './streams/decider-state.cache';
import {
  validatePublishBody,
  validatePublishedEvent,
  type ValidationOutcome,
  type ValidPublishedEvent,
} from './validation/published-event.validator';

export interface IngestSettings {
  /** Most events one batch may hold (MAX_BATCH_EVENTS). */
  readonly maxBatchEvents: number;
  /** Customer streams whose decider state stays in memory (INGEST_STATE_CACHE_SIZE); 0: none. */
  readonly stateCacheSize: number;
  /** Consent mode per channel for outbound marketing (CONSENT_POLICY); default: the domain's lawful default. */
  readonly consentPolicy?: ConsentPolicy;
}

export const INGEST_SETTINGS = Symbol('INGEST_SETTINGS');

export interface ValidateOptions {
  /** Refuse events without an eventId (channels where the publisher cannot learn a generated one). */
  readonly requireEventId?: boolean;
  /** Most events of a batch; default: the configured maxBatchEvents. */
  readonly maxEvents?: number;
  /** Clock for the future bound on occurredAt (ms since the epoch); default: now. */
  readonly now?: number;
}

/**
 * The one write path for customer events. Every entrance (POST /v1/events, `crm import`, the generator's
 * store sink, erasure, the Kafka ingest channel) validates with it and appends through it; nothing else
 * appends customer events. Outcomes are typed values with stable codes; mapping them to HTTP statuses or
 * exit codes is the entrance's business.
 */
@Injectable()
export class EventIngestor {
  readonly streams: CustomerStreamRepository;
  private readonly publisher: CustomerEventsPublisher;
  private readonly eraser: PersonalDataEraser;
  private readonly spends: MarketingSpendPublisher;

  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(INGEST_SETTINGS) private readonly settings: IngestSettings,
  ) {
    this.streams = new CustomerStreamRepository(store, new DeciderStateCache(settings.stateCacheSize));
    this.publisher = new CustomerEventsPublisher(store, this.streams, settings.consentPolicy);
    this.eraser = new PersonalDataEraser(store, this.streams);
    this.spends = new MarketingSpendPublisher(store);
  }

  /**
   * Validates a publish body: one event, or `{"events": [...]}`. Every problem of the batch is listed
   * (path from the body's root, stable code); `tooMany` when the batch is over the limit.
   */
  validate(body: unknown, options: ValidateOptions = {}): ValidationOutcome {
    return validatePublishBody(body, { maxEvents: this.settings.maxBatchEvents, ...options });
  }

  /**
   * Validates one event whatever its keys (a channel whose messages carry one event each). `index`: its
   * position in the batch about to be published, which the results refer to (default 0).
   */
  validateEvent(
    raw: unknown,
    options: Omit<ValidateOptions, 'maxEvents'> & { readonly index?: number } = {},
  ): ValidationOutcome {
    return validatePublishedEvent(raw, options);
  }

  /**
   * Decides and appends validated events: per customer, in order, with the expected revision; idempotent
   * by eventId. See PublishOutcome for what it comes to.
   */
  publish(
    events: readonly ValidPublishedEvent[],
    context: PublishContext,
    options: PublishOptions = {},
  ): Promise<PublishOutcome> {
    return this.publisher.publish(events, context, options);
  }

  /** Right to erasure: records CustomerPersonalDataErased once the decider allows it (see ErasureRequest). */
  erasePersonalData(request: ErasureRequest): Promise<ErasureOutcome> {
    return this.eraser.erase(request);
  }

  /** Validates a marketing spend (POST /v1/marketing/spend's body): every failing field, with its path. */
  validateMarketingSpend(body: unknown, options: { readonly now?: number } = {}): MarketingSpendValidation {
    return validateMarketingSpend(body, options.now);
  }

  /**
   * Decides and appends a validated marketing spend to its campaign's stream (`campaign-<campaign>`):
   * idempotent by eventId, with the expected revision. See MarketingSpendOutcome.
   */
  publishMarketingSpend(spend: ValidMarketingSpend, correlationId?: string): Promise<MarketingSpendOutcome> {
    return this.spends.publish(spend, correlationId);
  }
}
