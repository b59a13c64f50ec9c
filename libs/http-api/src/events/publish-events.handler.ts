import {
  commandForPublishedEvent,
  currentSchemaVersion,
  CustomerEvent,
  customerStreamId,
  decide,
  deriveEventId,
  DomainError,
  evolve,
} from '@crm/domain';
import { WrongExpectedRevisionError } from '@crm/event-store';
import { AppendResult, EVENT_STORE, EventStore, EventToAppend, RecordedEvent } from '@crm/event-store';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApiProblem, ProblemError } from '../problems/api-problem';
import { CustomerStreamRepository, LoadedCustomerStream } from './customer-stream.repository';
import {
  CustomerFailure,
  PublishedEventResult,
  PublishEventsCommand,
  PublishOutcome,
} from './publish-events.command';
import type { ValidPublishedEvent } from './published-event.validator';

/** Attempts for a customer whose stream moved between load and append, when the publisher set no expectation. */
const MAX_ATTEMPTS = 3;
/** Streams loaded or appended at once: bounded so a 1,000-customer batch does not flood a remote store. */
const CONCURRENCY = 16;

interface Decision {
  readonly stream: LoadedCustomerStream;
  readonly toAppend: (EventToAppend & { index: number })[];
  readonly replayed: PublishedEventResult[];
}

/**
 * Thin on purpose: per customer, load the stream, decide, append with the loaded revision as expected
 * revision. Everything is decided before anything is appended, so a batch with one bad event appends nothing.
 */
@CommandHandler(PublishEventsCommand)
export class PublishEventsHandler implements ICommandHandler<PublishEventsCommand, PublishOutcome> {
  constructor(
    private readonly streams: CustomerStreamRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute(command: PublishEventsCommand): Promise<PublishOutcome> {
    const groups = groupByCustomer(command.events);
    const decided = await mapLimit(groups, CONCURRENCY, async (events) => {
      const stream = await this.streams.load(events[0].customerId);
      return { events, outcome: decideGroup(stream, events, command.correlationId) };
    });

    const domainErrors = decided.flatMap(({ outcome }) => ('errors' in outcome ? outcome.errors : []));
    if (domainErrors.length > 0) throw lifecycleProblem(domainErrors, command.events.length === 1);

    const appended =
      (await this.appendAllAtOnce(decided)) ??
      (await mapLimit(decided, CONCURRENCY, ({ events, outcome }) =>
        'conflict' in outcome
          ? Promise.resolve(outcome.conflict)
          : this.append(events, outcome as Decision, command.correlationId),
      ));
    const results = appended.flatMap((a) => ('results' in a ? a.results : []));
    const failures = appended.filter((a): a is CustomerFailure => !('results' in a));
    return { results: results.sort((a, b) => a.index - b.index), failures };
  }

  /**
   * The common case, a batch without conflicts: every customer's events in one appendToStreams call (the
   * embedded store makes it one transaction instead of one per customer). Undefined when the batch has a
   * conflict already decided, or when the call meets one: then each customer goes its own way below, with
   * its retries and its own 409 (the embedded store wrote nothing of the call; EventStoreDB may have
   * written the customers before the conflicting one, whose appends then replay idempotently).
   */
  private async appendAllAtOnce(
    decided: readonly { outcome: ReturnType<typeof decideGroup> }[],
  ): Promise<{ results: PublishedEventResult[] }[] | undefined> {
    if (decided.some(({ outcome }) => !('stream' in outcome))) return undefined;
    const decisions = decided.map(({ outcome }) => outcome as Decision);
    const pending = decisions.filter((d) => d.toAppend.length > 0);
    if (pending.length < 2) return undefined;
    let appended: AppendResult[];
    try {
      appended = await this.store.appendToStreams(
        pending.map(({ stream, toAppend }) => ({
          streamId: customerStreamId(stream.customerId),
          events: toAppend,
          expectedRevision: stream.revision < 0 ? 'no_stream' : stream.revision,
        })),
      );
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return undefined;
      throw error;
    }
    const byDecision = new Map(pending.map((d, i) => [d, appended[i]]));
    return decisions.map((decision) => {
      const result = byDecision.get(decision);
      return { results: result ? appendedResults(decision, result) : decision.replayed };
    });
  }

  private async append(
    events: readonly ValidPublishedEvent[],
    decision: Decision,
    correlationId: string,
    attempt = 1,
  ): Promise<{ results: PublishedEventResult[] } | CustomerFailure> {
    const { stream, toAppend, replayed } = decision;
    if (toAppend.length === 0) return { results: replayed };
    try {
      const result = await this.store.appendToStream(customerStreamId(stream.customerId), toAppend, {
        expectedRevision: stream.revision < 0 ? 'no_stream' : stream.revision,
      });
      return { results: appendedResults(decision, result) };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      const expectedByPublisher = events.some((e) => e.expectedRevision !== undefined);
      if (expectedByPublisher || attempt >= MAX_ATTEMPTS) return conflict(events, error.actual);
      // The publisher did not ask for concurrency control: decide again on the stream as it is now.
      const retry = decideGroup(await this.streams.load(stream.customerId), events, correlationId);
      if ('conflict' in retry) return retry.conflict;
      if ('errors' in retry) {
        return {
          customerId: stream.customerId,
          indexes: events.map((e) => e.index),
          status: 422,
          code: retry.errors[0].code,
          message: retry.errors[0].message,
        };
      }
      return this.append(events, retry, correlationId, attempt + 1);
    }
  }
}

/** What a customer's events became: the replayed ones as recorded, then the appended ones. */
function appendedResults(decision: Decision, result: AppendResult): PublishedEventResult[] {
  const { stream, toAppend, replayed } = decision;
  return [
    ...replayed,
    ...result.events.map((e, i) => ({
      index: toAppend[i].index,
      eventId: e.eventId,
      customerId: stream.customerId,
      type: toAppend[i].type,
      streamRevision: e.streamRevision,
      globalPosition: e.globalPosition,
    })),
  ];
}

/** Decides one customer's events in order, each against the state the previous ones left. */
function decideGroup(
  stream: LoadedCustomerStream,
  events: readonly ValidPublishedEvent[],
  correlationId: string,
): Decision | { errors: ProblemError[] } | { conflict: CustomerFailure } {
  let state = stream.state;
  let revision = stream.revision;
  const toAppend: Decision['toAppend'] = [];
  const replayed: PublishedEventResult[] = [];
  const errors: ProblemError[] = [];
  for (const event of events) {
    const original = stream.recordedById.get(event.eventId);
    if (original) {
      // An idempotent retry: answer with what was recorded, decide nothing.
      replayed.push(...originalResults(stream, event, original));
      continue;
    }
    if (event.expectedRevision !== undefined && event.expectedRevision !== revision) {
      return { conflict: conflict(events, stream.revision) };
    }
    try {
      for (const emitted of decide(commandForPublishedEvent(event), state)) {
        state = evolve(state, emitted);
        revision += 1;
        toAppend.push({ ...toEventToAppend(emitted, event, correlationId), index: event.index });
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      errors.push({
        index: event.index,
        customerId: event.customerId,
        ...(event.eventIdGenerated ? {} : { eventId: event.eventId }),
        ...(error.field ? { path: `$.${error.field}` } : {}),
        code: error.code,
        message: error.message,
      });
    }
  }
  return errors.length > 0 ? { errors } : { stream, toAppend, replayed };
}

function toEventToAppend(
  emitted: CustomerEvent,
  published: ValidPublishedEvent,
  correlationId: string,
): EventToAppend {
  const triggered = emitted.eventId !== published.eventId;
  return {
    eventId: emitted.eventId,
    type: emitted.type,
    occurredAt: emitted.occurredAt,
    data: emitted.data as unknown as Record<string, unknown>,
    metadata: {
      schemaVersion: currentSchemaVersion(emitted.type),
      ...(published.metadata.source ? { source: published.metadata.source } : {}),
      correlationId: published.metadata.correlationId ?? correlationId,
      ...(triggered
        ? { causationId: published.eventId }
        : published.metadata.causationId
          ? { causationId: published.metadata.causationId }
          : {}),
    },
  };
}

/** The recorded event, plus the reactivation the decider emitted for it back then, if any. */
function originalResults(
  stream: LoadedCustomerStream,
  event: ValidPublishedEvent,
  original: RecordedEvent,
): PublishedEventResult[] {
  const triggered = stream.recordedById.get(deriveEventId(event.eventId, 'CustomerReactivated'));
  return [triggered, original]
    .filter((e): e is RecordedEvent => e !== undefined)
    .map((e) => ({
      index: event.index,
      eventId: e.eventId,
      customerId: event.customerId,
      type: e.type,
      streamRevision: e.streamRevision,
      globalPosition: e.globalPosition,
    }));
}

function conflict(events: readonly ValidPublishedEvent[], actualRevision: number): CustomerFailure {
  const expected = events.find((e) => e.expectedRevision !== undefined)?.expectedRevision;
  return {
    customerId: events[0].customerId,
    indexes: events.map((e) => e.index),
    status: 409,
    code: 'REVISION_CONFLICT',
    message: `Stream of customer ${events[0].customerId} is at revision ${actualRevision}${
      expected !== undefined ? `, not ${expected}` : ''
    }`,
    actualRevision,
  };
}

function lifecycleProblem(errors: ProblemError[], single: boolean): ApiProblem {
  const ordered = [...errors].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  if (single) {
    const { index: _index, ...only } = ordered[0];
    return new ApiProblem(422, only.code, 'Lifecycle rule broken', only.message, [only]);
  }
  return new ApiProblem(
    422,
    'LIFECYCLE_RULE_BROKEN',
    'Lifecycle rule broken',
    `${ordered.length} event(s) break lifecycle rules; nothing was appended`,
    ordered,
  );
}

function groupByCustomer(events: readonly ValidPublishedEvent[]): ValidPublishedEvent[][] {
  const groups = new Map<string, ValidPublishedEvent[]>();
  for (const event of events) {
    const group = groups.get(event.customerId);
    if (group) group.push(event);
    else groups.set(event.customerId, [event]);
  }
  return [...groups.values()];
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
