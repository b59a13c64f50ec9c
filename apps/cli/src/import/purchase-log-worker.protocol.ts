import type { PurchaseLogParserOptions } from '@crm/analytics';

/** What the parse-and-validate thread is started with (structured-clonable: no functions). */
export interface WorkerRequest {
  readonly path: string;
  readonly parser: Omit<PurchaseLogParserOptions, 'onSkippedLine' | 'isKnownCustomer'>;
  readonly batchSize: number;
  /** Batches the thread may have posted and the importer not yet taken (bounds the memory ahead). */
  readonly inFlight: number;
}

/** From the thread, in source order. After `end` or `error` nothing follows. */
export type WorkerMessage =
  | { readonly kind: 'batch'; readonly json: string }
  | { readonly kind: 'skipped'; readonly message: string }
  /** `cpuMs`: the thread's CPU from its first batch request to the end (Linux), for the summary. */
  | { readonly kind: 'end'; readonly cpuMs?: number }
  | {
      readonly kind: 'error';
      readonly name: string;
      readonly message: string;
      readonly lineNumber?: number;
      readonly path?: string;
      readonly reason?: string;
    };
