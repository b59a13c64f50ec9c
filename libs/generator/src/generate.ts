import { LifecycleGenerator } from './lifecycle.generator';
import type { LifecycleOptionsInput } from './lifecycle.options';
import { type GeneratedRecordType, SOURCE_OF } from './published-event';
import type { EventSink } from './sinks/event-sink';

export interface GenerateProgress {
  readonly eventsWritten: number;
  /** Customers acquired so far (they join in time order, so this tracks the simulated time). */
  readonly customersDone: number;
  readonly customersTotal: number;
  /** occurredAt of the latest event written. */
  readonly simulatedTime: string;
  /** Share of the [from, to) window simulated so far, 0..1 (1 at the end). */
  readonly fraction: number;
  readonly elapsedMs: number;
}

export interface GenerateSummary {
  readonly events: number;
  readonly byType: Readonly<Record<GeneratedRecordType, number>>;
  /** CustomerReactivated the decider emitted along with purchases (appended by the store sink, not published). */
  readonly reactivations: number;
  /** Candidates the decider refused (0 by construction). */
  readonly dropped: number;
  readonly customers: number;
  readonly from: string;
  readonly to: string;
  readonly seed: number;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
}

export interface GenerateRunOptions {
  readonly onProgress?: (progress: GenerateProgress) => void;
  /** Least time between two progress calls (a last call always comes at the end). Default 1,000 ms. */
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Generates a population's history into a sink: the entry point of `crm generate`. Resolves once the sink has
 * written everything; rejects on the sink's first error (what was written before stays written).
 */
export async function generate(
  options: LifecycleOptionsInput,
  sink: EventSink,
  run: GenerateRunOptions = {},
): Promise<GenerateSummary> {
  const generator = new LifecycleGenerator(options);
  const { fromMs, toMs } = generator;
  const interval = run.progressIntervalMs ?? 1000;
  const started = Date.now();
  let lastProgress = started;
  // Every type the generator publishes, in SOURCE_OF's order, from zero.
  const byType = Object.fromEntries(Object.keys(SOURCE_OF).map((type) => [type, 0])) as Record<
    GeneratedRecordType,
    number
  >;
  let written = 0;
  const progress = (done = false): GenerateProgress => ({
    eventsWritten: written,
    customersDone: generator.acquired,
    customersTotal: generator.options.customers,
    simulatedTime: new Date(generator.simulatedAt).toISOString(),
    // Done means the whole window was simulated, though its last event came before `to`.
    fraction: done ? 1 : Math.min(1, (generator.simulatedAt - fromMs) / (toMs - fromMs)),
    elapsedMs: Date.now() - started,
  });

  try {
    for (const event of generator.records()) {
      const pending = sink.write(event);
      if (pending) await pending;
      byType[event.published.type]++;
      if ((++written & 4095) === 0) {
        run.signal?.throwIfAborted();
        const now = Date.now();
        if (run.onProgress && now - lastProgress >= interval) {
          lastProgress = now;
          run.onProgress(progress());
        }
      }
    }
    await sink.close();
  } catch (error) {
    await sink.close().catch(() => undefined);
    throw error;
  }
  run.onProgress?.(progress(true));
  const elapsedMs = Date.now() - started;
  return {
    events: written,
    byType,
    reactivations: generator.reactivations,
    dropped: generator.dropped,
    customers: generator.options.customers,
    from: generator.options.from,
    to: generator.options.to,
    seed: generator.options.seed,
    elapsedMs,
    eventsPerSecond: Math.round((written / Math.max(1, elapsedMs)) * 1000),
  };
}
