import { PurchaseLogLineError, PurchaseLogSourceError } from '@crm/analytics';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerMessage, WorkerRequest } from './purchase-log-worker.protocol';
import type { ImportBatches, ValidatedBatch } from './validated-batch';

/** The compiled thread script; absent when this module runs from TypeScript sources (jest), see below. */
const WORKER_SCRIPT = join(__dirname, 'purchase-log.worker.js');

/**
 * Whether a file import can parse and validate on a thread of its own: yes once built. Run from the
 * TypeScript sources (jest) there is no script for a thread, and the importer does both in line.
 */
export const parseThreadAvailable = (): boolean => existsSync(WORKER_SCRIPT);

/**
 * The validated batches of a purchase log file, parsed and validated on a worker thread (see
 * purchase-log.worker.ts) while the caller decides and appends the previous ones. The thread starts at
 * once (its modules load while the caller opens the store) and reads the file when iteration begins; at
 * most `inFlight` batches wait ahead of the caller. Parser errors arrive in their place in the
 * sequence, as the classes the in-line parser throws; leaving the iteration early stops the thread.
 */
export function batchesFromParseThread(
  request: WorkerRequest,
  onSkippedLine: (message: string) => void,
  script = WORKER_SCRIPT,
): ImportBatches {
  const worker = new Worker(script, { workerData: request });
  const queue: (WorkerMessage | { kind: 'crash'; error: unknown })[] = [];
  let wake: (() => void) | undefined;
  let cpuMs: number | undefined;
  const push = (item: (typeof queue)[number]) => {
    queue.push(item);
    wake?.();
  };
  worker.on('message', (message: WorkerMessage) => push(message));
  worker.on('error', (error) => push({ kind: 'crash', error }));
  worker.on('exit', (code) => push({ kind: 'crash', error: new Error(`the parse thread exited (${code})`) }));
  const stop = async () => {
    worker.removeAllListeners('exit');
    await worker.terminate();
  };
  async function* batches(): AsyncGenerator<ValidatedBatch> {
    try {
      worker.postMessage(request.inFlight);
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        const item = queue.shift()!;
        switch (item.kind) {
          case 'batch':
            worker.postMessage(1);
            yield JSON.parse(item.json) as ValidatedBatch;
            break;
          case 'skipped':
            onSkippedLine(item.message);
            break;
          case 'end':
            cpuMs = item.cpuMs;
            return;
          case 'error':
            throw parserError(item);
          case 'crash':
            throw item.error;
        }
      }
    } finally {
      await stop();
    }
  }
  return { [Symbol.asyncIterator]: batches, stop, threadCpuMs: () => cpuMs };
}

function parserError(message: Extract<WorkerMessage, { kind: 'error' }>): Error {
  if (message.name === 'PurchaseLogLineError' && message.lineNumber !== undefined)
    return new PurchaseLogLineError(message.lineNumber, message.reason ?? message.message);
  if (message.name === 'PurchaseLogSourceError' && message.path !== undefined)
    return new PurchaseLogSourceError(message.path, message.reason ?? message.message);
  return Object.assign(new Error(message.message), { name: message.name });
}
