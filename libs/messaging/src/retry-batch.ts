import { BatchHandler, BusMessage, PoisonMessageError } from './bus.port';

export interface RetryContext {
  readonly handler: BatchHandler;
  /** First back-off; doubles up to 30 s. */
  readonly retryBackoffMs: number;
  /** Redeliveries before dead-lettering (see ConsumeOptions.maxRetries). Default: unlimited. */
  readonly maxRetries?: number;
  /** Errors that never exhaust maxRetries. */
  readonly retryForever?: (error: unknown) => boolean;
  /** False once the consumer is stopping: give up the batch (it is redelivered to whoever takes over). */
  isRunning(): boolean;
  deadLetter(message: BusMessage, reason: string, attempts: number): Promise<void>;
  /** Called while waiting between attempts (Kafka: keep the group session alive). */
  heartbeat?(): Promise<void>;
  onError?(error: unknown, attempt: number): void;
}

const MAX_BACKOFF_MS = 30_000;

const sameMessage = (a: BusMessage, b: BusMessage) => a.partition === b.partition && a.offset === b.offset;

/** The poison message named by a PoisonMessageError, if it is one of `pending`. */
function poisonIn(error: unknown, pending: readonly BusMessage[]): BusMessage | undefined {
  if (!(error instanceof PoisonMessageError) && (error as Error | undefined)?.name !== 'PoisonMessageError') {
    return undefined;
  }
  const named = (error as PoisonMessageError).poison;
  return named ? pending.find((m) => sameMessage(m, named)) : undefined;
}

/**
 * Delivers one partition batch until the handler accepts it. Failures are retried with exponential back-off
 * (unlimited by default: an outage of the database or the broker must not dead-letter good messages); a
 * message the handler declares poison leaves the batch at once for the dead-letter topic. With maxRetries,
 * a batch still failing after its last retry is isolated: each message is tried once on its own and those
 * that fail are dead-lettered. Returns false when the consumer stopped before the batch was handled; true
 * once every message was acknowledged or dead-lettered.
 */
export async function deliverWithRetry(batch: readonly BusMessage[], ctx: RetryContext): Promise<boolean> {
  let pending = [...batch];
  let backoff = ctx.retryBackoffMs;
  let failures = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (!ctx.isRunning()) return false;
    try {
      await ctx.handler(pending);
      return true;
    } catch (error) {
      const poison = poisonIn(error, pending);
      if (poison) {
        await ctx.deadLetter(poison, (error as Error).message, attempt);
        pending = pending.filter((m) => m !== poison);
        continue;
      }
      ctx.onError?.(error, attempt);
      if (!ctx.retryForever?.(error)) failures += 1;
      if (ctx.maxRetries !== undefined && failures > ctx.maxRetries) {
        return isolate(pending, ctx, attempt, error);
      }
      if (!(await pause(backoff, ctx))) return false;
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
  return true;
}

/** Retries exhausted: one attempt per message, in order; the ones that fail are dead-lettered. */
async function isolate(
  pending: readonly BusMessage[],
  ctx: RetryContext,
  attempts: number,
  batchError: unknown,
): Promise<boolean> {
  if (pending.length === 1) {
    await ctx.deadLetter(pending[0], reasonOf(batchError, attempts), attempts);
    return true;
  }
  for (const message of pending) {
    if (!ctx.isRunning()) return false;
    try {
      await ctx.handler([message]);
    } catch (error) {
      ctx.onError?.(error, attempts + 1);
      await ctx.deadLetter(message, reasonOf(error, attempts + 1), attempts + 1);
    }
  }
  return true;
}

const reasonOf = (error: unknown, attempts: number) =>
  `${error instanceof Error ? error.message : String(error)} (gave up after ${attempts} attempts)`;

/** Waits `ms`, heartbeating; false if the consumer stopped or lost its partitions meanwhile. */
async function pause(ms: number, ctx: RetryContext): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!ctx.isRunning()) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(1, until - Date.now()))));
    if (ctx.heartbeat) {
      try {
        await ctx.heartbeat();
      } catch {
        // Rebalancing (or the broker is away): the partition may move; kafkajs rejoins after this batch.
        return false;
      }
    }
  }
  return ctx.isRunning();
}
