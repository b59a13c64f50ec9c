import type { CustomerStreamState, EventIngestor, IngestProblem, ValidPublishedEvent } from '@crm/ingest';
import { threadCpuMs, threadCpuMsSince } from './thread-cpu';
import type { ValidatedBatch } from './validated-batch';

export interface ImportProgress {
  /** Bytes of the source behind the last appended batch. */
  readonly bytesRead: number;
  readonly lines: number;
  /** Events sent through the handler (appended or already there). */
  readonly events: number;
  readonly appended: number;
  readonly elapsedMs: number;
}

export interface ImportSummary extends ImportProgress {
  /** Events the store already held (a re-run, or an import that had been interrupted). */
  readonly alreadyPresent: number;
  readonly customers: number;
  /** CustomerAcquired events among the events. */
  readonly acquisitions: number;
  /** CPU time (user + system) the process spent over elapsedMs: on a shared machine, what the import cost. */
  readonly cpuMs: number;
  /** Of cpuMs, the main thread's (Linux only): it decides and appends every event. */
  readonly mainThreadCpuMs?: number;
  /** Of cpuMs, the parse thread's from its first batch on (Linux, file imports): it parses and validates. */
  readonly parseThreadCpuMs?: number;
}

/** A batch the publish path refused: nothing of it was appended (earlier batches were). */
export class ImportRejectedError extends Error {
  readonly code = 'IMPORT_REJECTED';

  constructor(
    readonly problems: readonly { lineNumber: number; customerId?: string; code: string; message: string }[],
  ) {
    const shown = problems
      .slice(0, 5)
      .map(
        (p) =>
          `  line ${p.lineNumber}${p.customerId ? ` (customer ${p.customerId})` : ''}: ${p.code} ${p.message}`,
      );
    const more = problems.length > 5 ? `\n  ... and ${problems.length - 5} more` : '';
    super(`the publish path refused a batch; nothing of it was appended:\n${shown.join('\n')}${more}`);
    this.name = 'ImportRejectedError';
  }
}

export interface ImportOptions {
  /** Correlation id of the events that carry none (the parser sets `import:<source>` on every event). */
  readonly correlationId: string;
  readonly onProgress?: (progress: ImportProgress) => void;
}

/**
 * Feeds validated batches of a purchase log (see ValidatedBatch: the write path's validation, the same as
 * POST /v1/events) to the write path's publish (each customer's state, decide, append with the expected
 * revision). Nothing is written to the store around it. The batches come from the parser in line
 * (validatedBatches) or from a thread that parses and validates ahead (batchesFromParseThread).
 */
export class PurchaseLogImporter {
  constructor(private readonly ingestor: EventIngestor) {}

  async run(
    batches: AsyncIterable<ValidatedBatch> & { readonly threadCpuMs?: () => number | undefined },
    options: ImportOptions,
  ): Promise<ImportSummary> {
    const started = Date.now();
    const cpuAtStart = process.cpuUsage();
    const mainCpuAtStart = threadCpuMs();
    const customers = new Set<string>();
    let progress: ImportProgress = { bytesRead: 0, lines: 0, events: 0, appended: 0, elapsedMs: 0 };
    let acquisitions = 0;

    for await (const batch of batches) {
      const { validation, lines } = batch;
      if (!validation.ok) {
        throw new ImportRejectedError(
          validation.errors.map((e) => ({ lineNumber: lines[e.index ?? 0], ...problem(e) })),
        );
      }
      for (const event of validation.events) customers.add(event.customerId);
      const { events: kept, loaded } = await this.withoutKnownAcquisitions(validation.events);
      for (const event of kept) if (event.type === 'CustomerAcquired') acquisitions += 1;
      const appended = kept.length > 0 ? await this.publish(kept, lines, loaded, options) : 0;
      progress = {
        bytesRead: batch.bytesRead,
        lines: lines[lines.length - 1],
        events: progress.events + kept.length,
        appended: progress.appended + appended,
        elapsedMs: Date.now() - started,
      };
      options.onProgress?.(progress);
    }
    const cpu = process.cpuUsage(cpuAtStart);
    const mainThreadCpuMs = threadCpuMsSince(mainCpuAtStart);
    const parseThreadCpuMs = batches.threadCpuMs?.();
    return {
      ...progress,
      elapsedMs: Date.now() - started,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      ...(mainThreadCpuMs !== undefined ? { mainThreadCpuMs } : {}),
      ...(parseThreadCpuMs !== undefined ? { parseThreadCpuMs } : {}),
      alreadyPresent: progress.events - progress.appended,
      customers: customers.size,
      acquisitions,
    };
  }

  /**
   * The parser acquires each customer on their first line in the file; a customer the store already has
   * (an import onto a live base, or a re-run) is not acquired again. The batch's customers are read once,
   * together, and the publish decides on those same states instead of reading the streams a second time.
   */
  private async withoutKnownAcquisitions(
    batch: readonly ValidPublishedEvent[],
  ): Promise<{ events: ValidPublishedEvent[]; loaded: Map<string, CustomerStreamState> }> {
    const loaded = await this.ingestor.streams.loadMany(batch.map((e) => e.customerId));
    const known = (customerId: string) => (loaded.get(customerId)?.revision ?? -1) >= 0;
    const events = batch.filter((e) => !(e.type === 'CustomerAcquired' && known(e.customerId)));
    return { events, loaded };
  }

  /**
   * Validated events of one batch through the handler; returns how many it appended. Their indexes stay
   * positions in the batch (`lines`), also when acquisitions were dropped.
   */
  private async publish(
    events: readonly ValidPublishedEvent[],
    lines: readonly number[],
    loaded: ReadonlyMap<string, CustomerStreamState>,
    options: ImportOptions,
  ): Promise<number> {
    const lineOf = (index: number | undefined) => lines[index ?? 0];
    // Replayed events answer with their original positions, at or below the head seen before the batch;
    // whatever this batch appended lands above it, whoever else appends meanwhile.
    const head = await this.ingestor.store.headPosition();
    const outcome = await this.ingestor.publish(events, { correlationId: options.correlationId }, { loaded });
    if (outcome.kind === 'rejected') {
      throw new ImportRejectedError(
        outcome.problems.map((e) => ({ lineNumber: lineOf(e.index), ...problem(e) })),
      );
    }
    if (outcome.failures.length > 0) {
      throw new ImportRejectedError(
        outcome.failures.map((f) => ({
          lineNumber: lineOf(f.indexes[0]),
          customerId: f.customerId,
          code: f.code,
          message: f.message,
        })),
      );
    }
    // Only the imported events themselves: a reactivation the decider adds is appended too, but not counted.
    const ids = new Set(events.map((e) => e.eventId));
    return outcome.results.filter((r) => r.globalPosition > head && ids.has(r.eventId)).length;
  }
}

const problem = (e: Pick<IngestProblem, 'customerId' | 'code' | 'message' | 'path'>) => ({
  ...(e.customerId ? { customerId: e.customerId } : {}),
  code: e.code,
  message: e.path ? `${e.message} (${e.path.replace(/^\$\.events\[\d+\]/, '$')})` : e.message,
});
