import type { PublishContext, PublishOutcome, ValidPublishedEvent } from '../publish/publish.outcome';
import type { IngestProblem } from '../validation/ingest-problem';
import type { ParsedIngestMessage, RejectionReason } from './ingest-message';

/** EventIngestor.publish. */
export type PublishEvents = (
  events: readonly ValidPublishedEvent[],
  context: PublishContext,
) => Promise<PublishOutcome>;

/** What one round settled. */
export interface RoundOutcome {
  /**
   * Messages [0, settled) are done: appended (or replays of appended events) or rejected. The partition's
   * offset may be committed up to there once the rejections are on their topic; the next round must not
   * start before that commit.
   */
  readonly settled: number;
  /** The rejections this round settled (positions from the previous `settled` on), with their reasons. */
  readonly rejections: ReadonlyMap<number, RejectionReason>;
}

type Fate = 'pending' | 'appended' | 'rejected' | 'deferred';

/**
 * The Kafka channel over one partition's messages (in offset order), in rounds: every valid event published
 * through EventIngestor; an event breaking a lifecycle rule taken out and the others published again.
 *
 * Why a customer's events after its refused one wait for the next round: a refused event is decided against
 * its customer's stream as it stands. If a later event of the same customer were appended before the
 * refusal's offset is committed and the process died, the redelivered refused event would be decided against
 * a stream that already holds its successors, and could be appended out of order. So a customer's events
 * after a refusal are deferred; a round settles the messages before the first deferred one, the caller
 * commits there, and the next round publishes the deferred events of the customers whose refusal is now
 * committed. Redelivering any uncommitted range then decides every event against the same state as the
 * first time (the appended ones replay idempotently by eventId).
 *
 * A message repeating an earlier message's eventId shares its fate (a producer's retry). Failures that are
 * not the publisher's fault (a conflict with another writer after the library's retries) defer the
 * customer's events to the next round; a conflict with the event's own expectedRevision is a rejection
 * (REVISION_CONFLICT), as over HTTP.
 */
export class PartitionRounds {
  private readonly fate: Fate[];
  private readonly reasons = new Map<number, RejectionReason>();
  /** Customer → position of the refusal its later events wait behind (-1: retry next round). */
  private readonly blockedAt = new Map<string, number>();
  /** Positions of messages repeating an earlier eventId → that message's position. */
  private readonly primaryOf = new Map<number, number>();
  private settledUpTo = 0;

  constructor(
    private readonly messages: readonly ParsedIngestMessage[],
    private readonly publish: PublishEvents,
    private readonly context: PublishContext,
  ) {
    const firstWithId = new Map<string, number>();
    this.fate = messages.map((message, i) => {
      if (!message.ok) {
        this.reasons.set(i, message.reason);
        return 'rejected';
      }
      const first = firstWithId.get(message.event.eventId);
      if (first === undefined) firstWithId.set(message.event.eventId, i);
      else this.primaryOf.set(i, first);
      return 'pending';
    });
  }

  get settled(): number {
    return this.settledUpTo;
  }

  get done(): boolean {
    return this.settledUpTo >= this.messages.length;
  }

  /** Publishes what may be published now; returns how far the messages are settled. */
  async next(): Promise<RoundOutcome> {
    this.release();
    for (;;) {
      const batch = this.fate
        .map((fate, i) => (fate === 'pending' && !this.primaryOf.has(i) ? i : -1))
        .filter((i) => i >= 0);
      if (batch.length === 0) break;
      const outcome = await this.publish(
        batch.map((i, index) => ({ ...this.eventAt(i), index })),
        this.context,
      );
      if (outcome.kind === 'rejected') {
        for (const problem of outcome.problems) {
          const i = batch[problem.index ?? 0];
          // A customer's later problems may only follow from its first one: they are decided again later.
          if (this.fate[i] === 'pending') this.refuse(i, lifecycleReason(problem));
        }
        continue;
      }
      const failed = new Set<number>();
      let refused = 0;
      for (const failure of outcome.failures) {
        const positions = failure.indexes.map((index) => batch[index]);
        positions.forEach((i) => failed.add(i));
        const culprit =
          failure.kind === 'conflict'
            ? positions.find((i) => this.eventAt(i).expectedRevision !== undefined)
            : undefined;
        if (culprit === undefined) {
          // Another writer won every retry: the customer's events wait for the next round.
          this.blockedAt.set(failure.customerId, -1);
          this.deferFrom(failure.customerId, Math.min(...positions));
          continue;
        }
        // The event's own expectation is stale: refused; the customer's events before it go again now.
        refused += 1;
        const problem: IngestProblem = {
          customerId: failure.customerId,
          eventId: this.eventAt(culprit).eventId,
          path: '$.expectedRevision',
          code: failure.code,
          message: failure.message,
        };
        this.refuse(culprit, { code: problem.code, message: problem.message, errors: [problem] });
      }
      for (const i of batch) if (!failed.has(i)) this.fate[i] = 'appended';
      if (refused === 0) break;
    }
    for (const [i, first] of this.primaryOf) {
      if (this.fate[first] === 'rejected') this.reasons.set(i, this.reasons.get(first)!);
      this.fate[i] = this.fate[first];
    }
    const from = this.settledUpTo;
    const open = this.fate.findIndex((fate, i) => i >= from && (fate === 'deferred' || fate === 'pending'));
    this.settledUpTo = open < 0 ? this.messages.length : open;
    const rejections = new Map<number, RejectionReason>();
    for (let i = from; i < this.settledUpTo; i++) {
      if (this.fate[i] === 'rejected') rejections.set(i, this.reasons.get(i)!);
    }
    return { settled: this.settledUpTo, rejections };
  }

  /** Customers whose refusal is settled (committed by now) get their deferred events back. */
  private release(): void {
    for (const [customerId, at] of this.blockedAt) {
      if (at >= this.settledUpTo) continue;
      this.blockedAt.delete(customerId);
      this.fate.forEach((fate, i) => {
        if (fate === 'deferred' && this.customerAt(i) === customerId) this.fate[i] = 'pending';
      });
    }
  }

  private refuse(i: number, reason: RejectionReason): void {
    this.fate[i] = 'rejected';
    this.reasons.set(i, reason);
    const customerId = this.customerAt(i)!;
    this.blockedAt.set(customerId, i);
    this.deferFrom(customerId, i + 1);
  }

  private deferFrom(customerId: string, from: number): void {
    for (let i = from; i < this.fate.length; i++) {
      if (this.fate[i] === 'pending' && this.customerAt(i) === customerId) this.fate[i] = 'deferred';
    }
  }

  private eventAt(i: number): ValidPublishedEvent {
    return (this.messages[i] as Extract<ParsedIngestMessage, { ok: true }>).event;
  }

  private customerAt(i: number): string | undefined {
    const message = this.messages[i];
    return message.ok ? message.event.customerId : undefined;
  }
}

/** A lifecycle refusal as the HTTP API answers a single event: the rule's code, the problem in `errors`. */
function lifecycleReason(problem: IngestProblem): RejectionReason {
  const { index: _index, ...only } = problem;
  return { code: only.code, message: only.message, errors: [only] };
}
