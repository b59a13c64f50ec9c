import {
  campaignStreamId,
  decideCampaign,
  DomainError,
  evolveCampaign,
  initialCampaignState,
  type MarketingEvent,
} from '@crm/domain';
import { WrongExpectedRevisionError, type EventStore } from '@crm/event-store';
import type { ValidMarketingSpend } from '../contract/marketing-spend.validator';
import { toEventToAppend } from '../metadata/event-metadata.rules';
import type { IngestProblem } from '../validation/ingest-problem';

/** Attempts when the campaign stream moved between read and append and the publisher set no expectation. */
const MAX_ATTEMPTS = 3;

/** The recorded spend: its place in the campaign stream and in the global order. */
export interface MarketingSpendResult {
  readonly eventId: string;
  readonly campaign: string;
  readonly type: 'MarketingSpendRecorded';
  readonly streamRevision: number;
  readonly globalPosition: bigint;
}

/**
 * What publishing a spend came to: recorded (or replayed: a known eventId answers with what was recorded,
 * deciding nothing), refused by a rule of the campaign decider, or a conflict with the publisher's
 * expectedRevision (or a stream that kept moving).
 */
export type MarketingSpendOutcome =
  | { readonly kind: 'recorded'; readonly result: MarketingSpendResult; readonly replayed: boolean }
  | { readonly kind: 'rejected'; readonly problem: IngestProblem }
  | { readonly kind: 'conflict'; readonly problem: IngestProblem; readonly actualRevision: number };

/**
 * The write path of marketing spend, in the decider style of the customer streams: read the campaign's
 * stream, fold it, decide, append with the read revision as the expected one. Same store, same guarantees.
 */
export class MarketingSpendPublisher {
  constructor(private readonly store: EventStore) {}

  async publish(spend: ValidMarketingSpend, correlationId?: string): Promise<MarketingSpendOutcome> {
    const streamId = campaignStreamId(spend.data.campaign);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(streamId);
      const original = recorded.find((e) => e.eventId === spend.eventId);
      if (original) {
        const result = resultOf(spend, original.streamRevision, original.globalPosition);
        return { kind: 'recorded', result, replayed: true };
      }
      const revision = recorded.at(-1)?.streamRevision ?? -1;
      if (spend.expectedRevision !== undefined && spend.expectedRevision !== revision) {
        return conflictOf(spend, revision);
      }
      let emitted: MarketingEvent[];
      try {
        const state = recorded.reduce(
          (s, e) =>
            evolveCampaign(s, {
              type: e.type,
              eventId: e.eventId,
              occurredAt: e.occurredAt,
              data: e.data,
            } as unknown as MarketingEvent),
          initialCampaignState(),
        );
        emitted = decideCampaign(
          {
            type: 'RecordMarketingSpend',
            eventId: spend.eventId,
            occurredAt: spend.occurredAt,
            data: spend.data,
          },
          state,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return {
          kind: 'rejected',
          problem: {
            ...(spend.eventIdGenerated ? {} : { eventId: spend.eventId }),
            ...(error.field ? { path: `$.${error.field}` } : {}),
            code: error.code,
            message: error.message,
          },
        };
      }
      try {
        const appended = await this.store.appendToStream(
          streamId,
          emitted.map((e) => toEventToAppend(e, spend, correlationId)),
          { expectedRevision: revision < 0 ? 'no_stream' : revision },
        );
        const [event] = appended.events;
        return {
          kind: 'recorded',
          result: resultOf(spend, event.streamRevision, event.globalPosition),
          replayed: appended.idempotentReplay,
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (spend.expectedRevision !== undefined || attempt >= MAX_ATTEMPTS)
          return conflictOf(spend, error.actual);
      }
    }
  }
}

const resultOf = (
  spend: ValidMarketingSpend,
  streamRevision: number,
  globalPosition: bigint,
): MarketingSpendResult => ({
  eventId: spend.eventId,
  campaign: spend.data.campaign,
  type: 'MarketingSpendRecorded',
  streamRevision,
  globalPosition,
});

function conflictOf(spend: ValidMarketingSpend, actualRevision: number): MarketingSpendOutcome {
  return {
    kind: 'conflict',
    actualRevision,
    problem: {
      ...(spend.eventIdGenerated ? {} : { eventId: spend.eventId }),
      code: 'REVISION_CONFLICT',
      message: `Stream of campaign ${spend.data.campaign} is at revision ${actualRevision}${
        spend.expectedRevision !== undefined ? `, not ${spend.expectedRevision}` : ''
      }`,
    },
  };
}
