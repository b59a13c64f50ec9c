import {
  commandForPublishedEvent,
  type ConsentPolicy,
  CustomerEvent,
  DEFAULT_CONSENT_POLICY,
  customerStreamId,
  decide,
  deriveEventId,
  DomainError,
  evolve,
} from '@crm/domain';
import { PartialDuplicateAppendError, WrongExpectedRevisionError } from '@crm/event-store';
import type { AppendResult, EventStore, EventToAppend } from '@crm/event-store';
import { toEventToAppend } from '../metadata/event-metadata.rules';
import {
  CustomerStreamRepository,
  CustomerStreamState,
  RecordedRef,
} from '../streams/customer-stream.repository';
import type { IngestProblem } from '../validation/ingest-problem';
import { type LoopYield, yieldToIo } from './event-loop.yield';
import type { ValidPublishedEvent } from '../validation/published-event.validator';
import type {
  CustomerFailure,
  PublishContext,
  PublishedEventResult,
  PublishOptions,
  PublishOutcome,
} from './publish.outcome';

/** Attempts for a customer whose stream moved between load and append, when the publisher set no expectation. */
const MAX_ATTEMPTS = 3;
/** Streams appended at once after a conflict: bounded so a 1,000-customer batch does not flood a remote store. */
const CONCURRENCY = 16;
/**
 * Events decided between two yields to the event loop (see `sliceEvents`): small enough that a request
 * arriving meanwhile waits at most a slice's decisions, large enough that a bulk import barely notices.
 */
const DEFAULT_SLICE_EVENTS = 32;

interface PendingEvent {
  readonly index: number;
  readonly event: CustomerEvent;
  readonly append: EventToAppend;
}

interface Decision {
  readonly stream: CustomerStreamState;
  readonly pending: PendingEvent[];
  readonly replayed: PublishedEventResult[];
}

type GroupOutcome = Decision | { errors: IngestProblem[] } | { conflict: CustomerFailure };

type Appended = { results: PublishedEventResult[] } | CustomerFailure;

/**
 * The command handler of the write path, in the decider style: per customer, the stream's state (cached or
 * loaded), decide, append with the state's revision as expected revision; when the publisher gave no
 * expectation, a conflict re-reads the stream and decides again, a bounded number of times. Everything is
 * decided before anything is appended, so a batch with one event that breaks a rule appends nothing.
 *
 * A large batch does not hold the event loop for its whole length: before its load and after every slice of
 * decisions (`sliceEvents`), the loop takes its pending I/O, so the API's reads are answered in between. The
 * outcome is the same as deciding in one go: each customer is decided from the state loaded for it, and a
 * stream that another writer moved meanwhile is caught by the expected revision at append, as before (the
 * append itself was never in the same turn as the decisions: the store's group commit waits for the loop).
 */
export class CustomerEventsPublisher {
  constructor(
    private readonly store: EventStore,
    private readonly streams: CustomerStreamRepository,
    private readonly consentPolicy: ConsentPolicy = DEFAULT_CONSENT_POLICY,
    private readonly yieldToLoop: LoopYield = yieldToIo,
  ) {}

  async publish(
    events: readonly ValidPublishedEvent[],
    context: PublishContext,
    options: PublishOptions = {},
  ): Promise<PublishOutcome> {
    const slice = options.sliceEvents ?? DEFAULT_SLICE_EVENTS;
    // The validation that came before is one stretch of the loop; the load and decisions are others.
    if (events.length > slice) await this.yieldToLoop();
    const groups = groupByCustomer(events);
    const given = options.loaded;
    const toLoad = groups.map((g) => g[0].customerId).filter((id) => !given?.has(id));
    const loaded = toLoad.length > 0 ? await this.streams.loadMany(toLoad) : new Map();
    const decided: { events: ValidPublishedEvent[]; outcome: GroupOutcome }[] = [];
    let sinceYield = 0;
    for (const group of groups) {
      if (sinceYield >= slice) {
        await this.yieldToLoop();
        sinceYield = 0;
      }
      const customerId = group[0].customerId;
      const stream = (given?.get(customerId) ?? loaded.get(customerId)) as CustomerStreamState;
      decided.push({ events: group, outcome: decideGroup(stream, group, context, this.consentPolicy) });
      sinceYield += group.length;
    }

    const problems = decided.flatMap(({ outcome }) => ('errors' in outcome ? outcome.errors : []));
    if (problems.length > 0) {
      return { kind: 'rejected', problems: problems.sort((a, b) => (a.index ?? 0) - (b.index ?? 0)) };
    }

    const appended =
      (await this.appendAllAtOnce(
        decided.map((d) => d.outcome),
        options.eventsPerCall ?? Number.POSITIVE_INFINITY,
      )) ??
      (await mapLimit(decided, CONCURRENCY, ({ events: group, outcome }) =>
        'conflict' in outcome
          ? Promise.resolve<Appended>(outcome.conflict)
          : this.append(group, outcome as Decision, context),
      ));
    const results = appended.flatMap((a) => ('results' in a ? a.results : []));
    const failures = appended.filter((a): a is CustomerFailure => !('results' in a));
    return { kind: 'appended', results: results.sort((a, b) => a.index - b.index), failures };
  }

  /**
   * The common case, a batch without conflicts: every customer's events in one appendToStreams call (the
   * embedded store makes it one transaction instead of one per customer). Undefined when the batch has a
   * conflict already decided, or when the call meets one: then each customer goes its own way, with its
   * retries and its own conflict (the embedded store wrote nothing of the call; EventStoreDB may have
   * written the customers before the conflicting one, whose appends then replay idempotently; so may have
   * the earlier calls of a batch split by eventsPerCall).
   */
  private async appendAllAtOnce(
    outcomes: readonly GroupOutcome[],
    eventsPerCall: number,
  ): Promise<Appended[] | undefined> {
    if (outcomes.some((outcome) => !('stream' in outcome))) return undefined;
    const decisions = outcomes as Decision[];
    const pending = decisions.filter((d) => d.pending.length > 0);
    if (pending.length < 2) return undefined;
    const appended: AppendResult[] = [];
    try {
      for (const call of splitEvenly(pending, eventsPerCall)) {
        appended.push(
          ...(await this.store.appendToStreams(
            call.map(({ stream, pending: toAppend }) => ({
              streamId: customerStreamId(stream.customerId),
              events: toAppend.map((p) => p.append),
              expectedRevision: stream.revision < 0 ? 'no_stream' : stream.revision,
            })),
          )),
        );
      }
    } catch (error) {
      if (streamMoved(error)) return undefined;
      throw error;
    }
    const byDecision = new Map(pending.map((d, i) => [d, appended[i]]));
    return decisions.map((decision) => {
      const result = byDecision.get(decision);
      return { results: result ? this.appendedResults(decision, result) : decision.replayed };
    });
  }

  private async append(
    events: readonly ValidPublishedEvent[],
    decision: Decision,
    context: PublishContext,
    attempt = 1,
  ): Promise<Appended> {
    const { stream, pending, replayed } = decision;
    if (pending.length === 0) return { results: replayed };
    try {
      const result = await this.store.appendToStream(
        customerStreamId(stream.customerId),
        pending.map((p) => p.append),
        { expectedRevision: stream.revision < 0 ? 'no_stream' : stream.revision },
      );
      return { results: this.appendedResults(decision, result) };
    } catch (error) {
      if (!streamMoved(error)) throw error;
      // Someone else wrote the stream: whatever is cached of it is behind.
      this.streams.forget(stream.customerId);
      const expectedByPublisher = events.some((e) => e.expectedRevision !== undefined);
      if (error instanceof WrongExpectedRevisionError && (expectedByPublisher || attempt >= MAX_ATTEMPTS))
        return conflict(events, error.actual);
      // The publisher did not ask for concurrency control, or another writer recorded some of these very
      // events since the load (a retry that reached another process): decide again on the stream as it is
      // now, where those replay and the rest is decided (and checked against any expected revision) anew.
      const current = await this.streams.load(stream.customerId);
      if (attempt >= MAX_ATTEMPTS) return conflict(events, current.revision);
      const retry = decideGroup(current, events, context, this.consentPolicy);
      if ('conflict' in retry) return retry.conflict;
      if ('errors' in retry) {
        return {
          customerId: stream.customerId,
          indexes: events.map((e) => e.index),
          kind: 'rule',
          code: retry.errors[0].code,
          message: retry.errors[0].message,
        };
      }
      return this.append(events, retry, context, attempt + 1);
    }
  }

  /** What a customer's events became (the replayed ones as recorded, then the appended ones); caches it. */
  private appendedResults(decision: Decision, result: AppendResult): PublishedEventResult[] {
    const { stream, pending, replayed } = decision;
    // Already recorded although the state did not know them: another writer was here, the state is behind.
    if (result.idempotentReplay) this.streams.forget(stream.customerId);
    else {
      this.streams.appended(
        stream,
        pending.map((p, i) => ({ event: p.event, at: refOf(p, result.events[i]) })),
      );
    }
    return [
      ...replayed,
      ...result.events.map((e, i) => ({
        index: pending[i].index,
        eventId: e.eventId,
        customerId: stream.customerId,
        type: pending[i].event.type,
        streamRevision: e.streamRevision,
        globalPosition: e.globalPosition,
      })),
    ];
  }
}

const refOf = (p: PendingEvent, at: { streamRevision: number; globalPosition: bigint }): RecordedRef => ({
  eventId: p.event.eventId,
  type: p.event.type,
  streamRevision: at.streamRevision,
  globalPosition: at.globalPosition,
});

/** The stream is not what it was when the state was loaded: re-read it and decide again. */
const streamMoved = (error: unknown) =>
  error instanceof WrongExpectedRevisionError || error instanceof PartialDuplicateAppendError;

/** Decides one customer's events in order, each against the state the previous ones left. */
function decideGroup(
  stream: CustomerStreamState,
  events: readonly ValidPublishedEvent[],
  context: PublishContext,
  consentPolicy: ConsentPolicy,
): GroupOutcome {
  let state = stream.state;
  let revision = stream.revision;
  const pending: PendingEvent[] = [];
  const replayed: PublishedEventResult[] = [];
  const errors: IngestProblem[] = [];
  for (const event of events) {
    const original = stream.recorded.get(event.eventId);
    if (original) {
      // An idempotent retry: answer with what was recorded, decide nothing.
      replayed.push(...originalResults(stream, event, original));
      continue;
    }
    if (event.expectedRevision !== undefined && event.expectedRevision !== revision) {
      return { conflict: conflict(events, stream.revision) };
    }
    try {
      for (const emitted of decide(commandForPublishedEvent(event), state, consentPolicy)) {
        state = evolve(state, emitted);
        revision += 1;
        pending.push({
          index: event.index,
          event: emitted,
          append: toEventToAppend(emitted, event, context.correlationId),
        });
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
  return errors.length > 0 ? { errors } : { stream, pending, replayed };
}

/** The recorded event, plus the reactivation the decider emitted for it back then, if any. */
function originalResults(
  stream: CustomerStreamState,
  event: ValidPublishedEvent,
  original: RecordedRef,
): PublishedEventResult[] {
  const triggered = stream.recorded.get(deriveEventId(event.eventId, 'CustomerReactivated'));
  return [triggered, original]
    .filter((e): e is RecordedRef => e !== undefined)
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
    kind: 'conflict',
    code: 'REVISION_CONFLICT',
    message: `Stream of customer ${events[0].customerId} is at revision ${actualRevision}${
      expected !== undefined ? `, not ${expected}` : ''
    }`,
    actualRevision,
  };
}

/**
 * Customers' appends in calls of about `eventsPerCall` events, a customer never across two calls. Even
 * shares rather than full calls and a remainder: a batch just over the size is one call, not one and a
 * sliver (each call costs a commit).
 */
function splitEvenly(decisions: readonly Decision[], eventsPerCall: number): Decision[][] {
  const total = decisions.reduce((n, d) => n + d.pending.length, 0);
  if (total <= eventsPerCall) return [[...decisions]];
  const share = total / Math.max(1, Math.round(total / eventsPerCall));
  const calls: Decision[][] = [];
  let call: Decision[] = [];
  let size = 0;
  for (const decision of decisions) {
    call.push(decision);
    size += decision.pending.length;
    if (size >= share) {
      calls.push(call);
      call = [];
      size = 0;
    }
  }
  if (call.length > 0) calls.push(call);
  return calls;
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

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
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
