import type { IngestProblem } from '../validation/ingest-problem';
import type { PublishContext, PublishOutcome, ValidPublishedEvent } from '../publish/publish.outcome';
import type { ParsedIngestMessage, RejectionReason } from './ingest-message';

/** EventIngestor.publish. */
export type PublishEvents = (
  events: readonly ValidPublishedEvent[],
  context: PublishContext,
) => Promise<PublishOutcome>;

/** What one round over a partition's pending messages settled. */
export interface RoundOutcome {
  /**
   * Messages [0, settled) are done: appended (or replays of appended events) or rejected. The partition's
   * offset may be committed up to there once the rejections are on their topic. Messages from `settled` on
   * go to the next round.
   */
  readonly settled: number;
  /** Rejected messages among the settled ones, by position, with the reason. */
  readonly rejections: ReadonlyMap<number, RejectionReason>;
}

/**
 * One round of the ingest channel over a partition's pending messages (in offset order): every valid event
 * published through EventIngestor, those breaking a lifecycle rule taken out and the rest published again,
 * until the publish appends.
 *
 * Why rounds, and why a customer's events after its first refused one wait for the next round: a refused
 * event is decided against its customer's stream as it stands. If a later event of the same customer were
 * appended before the refusal's offset is committed and the process died, the redelivered refused event
 * would be decided against a stream that already holds its successors, and could be appended out of order.
 * So within a round, a customer's events after a refusal are deferred, and the round settles only the
 * messages before the first deferred one: redelivering any uncommitted range decides every event against
 * the same state as the first time (the appended ones replay idempotently by eventId).
 *
 * A message repeating an earlier message's eventId in the same round shares its fate (a producer's retry).
 * Failures that are not the publisher's fault (a conflict with another writer after the library's retries)
 * defer the customer's events to the next round; a conflict with the event's own expectedRevision is a
 * rejection (REVISION_CONFLICT), as over HTTP.
 */
export async function ingestRound(
  messages: readonly ParsedIngestMessage[],
  publish: PublishEvents,
  context: PublishContext,
): Promise<RoundOutcome> {
  const rejected = new Map<number, RejectionReason>();
  const deferred = new Set<number>();
  const primaryOf = new Map<number, number>();
  const candidates: number[] = [];
  const firstWithId = new Map<string, number>();
  messages.forEach((message, i) => {
    if (!message.ok) {
      rejected.set(i, message.reason);
      return;
    }
    const first = firstWithId.get(message.event.eventId);
    if (first === undefined) {
      firstWithId.set(message.event.eventId, i);
      candidates.push(i);
    } else primaryOf.set(i, first);
  });
  const eventAt = (i: number) => (messages[i] as Extract<ParsedIngestMessage, { ok: true }>).event;
  /** Defers `customerId`'s candidates after position `after`. */
  const deferCustomer = (customerId: string, after: number) => {
    for (const i of candidates) {
      if (i > after && eventAt(i).customerId === customerId && !rejected.has(i)) deferred.add(i);
    }
  };

  for (;;) {
    const batch = candidates.filter((i) => !rejected.has(i) && !deferred.has(i));
    if (batch.length === 0) break;
    const outcome = await publish(
      batch.map((i, index) => ({ ...eventAt(i), index })),
      context,
    );
    if (outcome.kind === 'rejected') {
      const blocked = new Set<string>();
      for (const problem of outcome.problems) {
        const i = batch[problem.index ?? 0];
        const { customerId } = eventAt(i);
        // The customer's later problems may only come from this one: they are decided again next round.
        if (blocked.has(customerId)) continue;
        blocked.add(customerId);
        rejected.set(i, lifecycleReason(problem));
        deferCustomer(customerId, i);
      }
      continue;
    }
    // Failures: the other customers are appended (a repeated publish replays them).
    let culprits = 0;
    for (const failure of outcome.failures) {
      const positions = failure.indexes.map((index) => batch[index]);
      const culprit =
        failure.kind === 'conflict'
          ? positions.find((i) => eventAt(i).expectedRevision !== undefined)
          : undefined;
      if (culprit === undefined) {
        // Another writer won every retry: the customer waits for the next round.
        positions.forEach((i) => deferred.add(i));
        deferCustomer(failure.customerId, Math.min(...positions));
        continue;
      }
      // The event's own expectation is stale: refused; the customer's events before it go again now.
      culprits += 1;
      const problem: IngestProblem = {
        customerId: failure.customerId,
        eventId: eventAt(culprit).eventId,
        path: '$.expectedRevision',
        code: failure.code,
        message: failure.message,
      };
      rejected.set(culprit, { code: problem.code, message: problem.message, errors: [problem] });
      deferCustomer(failure.customerId, culprit);
    }
    if (culprits === 0) break;
  }

  // A repeated eventId shares its first message's fate.
  for (const [i, first] of primaryOf) {
    const reason = rejected.get(first);
    if (reason) rejected.set(i, reason);
    else if (deferred.has(first)) deferred.add(i);
  }
  const settled = deferred.size === 0 ? messages.length : Math.min(...deferred);
  return {
    settled,
    rejections: new Map([...rejected].filter(([i]) => i < settled)),
  };
}

/** A lifecycle refusal as the HTTP API answers a single event: the rule's code, the problem in `errors`. */
function lifecycleReason(problem: IngestProblem): RejectionReason {
  const { index: _index, ...only } = problem;
  return { code: only.code, message: only.message, errors: [only] };
}
