import { parsePurchaseLog, parsePurchaseLogStream, type PurchaseLogParserOptions } from '@crm/analytics';
import { batchesFromParseThread, parseThreadAvailable } from './purchase-log-worker.source';
import { validatedBatches, type ImportBatches } from './validated-batch';

/**
 * The validated batches of an import's source (`-`: standard input). Both ways validate with the write
 * path's validatePublishBody, the check of POST /v1/events (the importer's batches are at most its
 * batch size). A file, once built, is parsed and validated on a thread of its own while the importer
 * appends (batchesFromParseThread): call this before opening the store, so the thread starts meanwhile.
 * Standard input, or a run from the TypeScript sources (jest), does both in line.
 */
export function importBatches(
  file: string,
  parser: Omit<PurchaseLogParserOptions, 'onSkippedLine' | 'isKnownCustomer'>,
  batchSize: number,
  onSkippedLine: (message: string) => void,
  useThread = parseThreadAvailable(),
): ImportBatches {
  if (file !== '-' && useThread) {
    return batchesFromParseThread({ path: file, parser, batchSize, inFlight: 4 }, onSkippedLine);
  }
  const options = { ...parser, onSkippedLine: (error: Error) => onSkippedLine(error.message) };
  const events =
    file === '-' ? parsePurchaseLogStream(process.stdin, options) : parsePurchaseLog(file, options);
  const batches = validatedBatches(events, batchSize);
  return {
    [Symbol.asyncIterator]: () => batches,
    stop: async () => void (await batches.return(undefined)),
    threadCpuMs: () => undefined,
  };
}
