import 'reflect-metadata';
import { parsePurchaseLog, PurchaseLogLineError, type PurchaseLogParserOptions } from '@crm/analytics';
import { parentPort, workerData } from 'node:worker_threads';
import { threadCpuMs, threadCpuMsSince } from './thread-cpu';
import { validatedBatches } from './validated-batch';
import type { WorkerRequest, WorkerMessage } from './purchase-log-worker.protocol';

/**
 * The import's first stage on its own thread: reads and parses the file and validates each batch with
 * the write path's contract check (the same validatePublishBody POST /v1/events uses), while the main
 * thread decides and appends the batch before (its commit's fsync included). Batches travel as JSON text
 * (one string to copy between the threads; the main thread's JSON.parse rebuilds them).
 */
async function main(port: NonNullable<typeof parentPort>, request: WorkerRequest): Promise<void> {
  // Batches the importer asked for: none until it starts iterating (the thread loads its modules while
  // the importer opens the store, and parses nothing outside the importer's measured time).
  let credits = 0;
  let wake: (() => void) | undefined;
  port.on('message', (more: number) => {
    credits += more;
    wake?.();
  });
  const post = (message: WorkerMessage) => port.postMessage(message);
  const parser: PurchaseLogParserOptions = {
    ...request.parser,
    onSkippedLine: (error) => post({ kind: 'skipped', message: error.message }),
  };
  try {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    const cpuAtStart = threadCpuMs();
    for await (const batch of validatedBatches(parsePurchaseLog(request.path, parser), request.batchSize)) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      credits -= 1;
      post({ kind: 'batch', json: JSON.stringify(batch) });
    }
    const cpuMs = threadCpuMsSince(cpuAtStart);
    post({ kind: 'end', ...(cpuMs !== undefined ? { cpuMs } : {}) });
  } catch (error) {
    const { name, message } = error as Error;
    post({
      kind: 'error',
      name,
      message,
      ...(error instanceof PurchaseLogLineError ? { lineNumber: error.lineNumber } : {}),
      ...('path' in (error as object) ? { path: (error as { path: string }).path } : {}),
      ...('reason' in (error as object) ? { reason: (error as { reason: string }).reason } : {}),
    });
  }
}

if (parentPort) void main(parentPort, workerData as WorkerRequest);
