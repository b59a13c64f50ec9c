import {
  parsePurchaseLog,
  PurchaseLogLineError,
  PurchaseLogSourceError,
  type PurchaseLogParserOptions,
} from '@crm/analytics';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchesFromParseThread } from './purchase-log-worker.source';
import { typescriptSourcePrelude } from '../../../../test/support/typescript-source.prelude';
import { validatedBatches, type ValidatedBatch } from './validated-batch';

/**
 * The parse thread against the in-line path on the same files: same batches (validation outcomes
 * included), same skipped lines, same errors in the same place. Jest runs TypeScript, so the thread
 * starts from a small script that compiles the sources with @swc/core (a dev dependency), as the built
 * `crm import` runs the compiled one.
 */
const dir = mkdtempSync(join(tmpdir(), 'crm-parse-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOOTSTRAP = join(dir, 'bootstrap.js');
writeFileSync(
  BOOTSTRAP,
  `${typescriptSourcePrelude()}
require(${JSON.stringify(join(__dirname, 'purchase-log.worker.ts'))});
`,
);

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

type Parser = Omit<PurchaseLogParserOptions, 'onSkippedLine' | 'isKnownCustomer'>;

async function collect(batches: AsyncIterable<ValidatedBatch>) {
  const seen: ValidatedBatch[] = [];
  try {
    for await (const batch of batches) seen.push(batch);
    return { batches: seen };
  } catch (error) {
    return { batches: seen, error: error as Error };
  }
}

async function bothWays(path: string, parser: Parser, batchSize: number) {
  const inLineSkipped: string[] = [];
  const inLine = await collect(
    validatedBatches(
      parsePurchaseLog(path, { ...parser, onSkippedLine: (e) => inLineSkipped.push(e.message) }),
      batchSize,
    ),
  );
  const threadSkipped: string[] = [];
  const source = batchesFromParseThread(
    { path, parser, batchSize, inFlight: 2 },
    (message) => threadSkipped.push(message),
    BOOTSTRAP,
  );
  const thread = await collect(source);
  return { inLine, thread, inLineSkipped, threadSkipped, threadCpuMs: source.threadCpuMs() };
}

// Validation's answers are compared as JSON: what crosses from the thread is JSON text.
const asJson = (batches: ValidatedBatch[]) => JSON.parse(JSON.stringify(batches)) as unknown;

describe('batchesFromParseThread', () => {
  const lines = Array.from(
    { length: 25 },
    (_, i) => `${1 + (i % 7)} 199701${String(1 + (i % 28)).padStart(2, '0')} 1 12.50`,
  );

  it('yields the batches the in-line path yields, skipped lines reported the same', async () => {
    const withBad = [...lines.slice(0, 11), '3 1997x0102 1 10.00', ...lines.slice(11)];
    const path = file('skip.txt', `${withBad.join('\n')}\n`);
    const { inLine, thread, inLineSkipped, threadSkipped, threadCpuMs } = await bothWays(
      path,
      { format: 'cdnow', invalidLines: 'skip' },
      4,
    );
    expect(inLine.error).toBeUndefined();
    expect(thread.error).toBeUndefined();
    expect(thread.batches.length).toBeGreaterThan(5);
    expect(asJson(thread.batches)).toEqual(asJson(inLine.batches));
    expect(threadSkipped).toEqual(inLineSkipped);
    expect(threadSkipped).toEqual(['line 12: date must be YYYYMMDD: 1997x0102']);
    // The thread's own CPU time comes with its end (Linux: /proc/thread-self).
    if (process.platform === 'linux') expect(threadCpuMs).toEqual(expect.any(Number));
  }, 60_000);

  it('stops at a malformed line with the same PurchaseLogLineError, after the same complete batches', async () => {
    const path = file(
      'bad.txt',
      `${[...lines.slice(0, 9), '2 19970105 x 10.00', ...lines.slice(9)].join('\n')}\n`,
    );
    const { inLine, thread } = await bothWays(path, { format: 'cdnow' }, 4);
    expect(thread.error).toBeInstanceOf(PurchaseLogLineError);
    expect(thread.error?.message).toBe(inLine.error?.message);
    expect((thread.error as PurchaseLogLineError).lineNumber).toBe(10);
    expect(asJson(thread.batches)).toEqual(asJson(inLine.batches));
  }, 60_000);

  it("carries the contract check's rejection of a parsed line (a date too far ahead) as the in-line path does", async () => {
    const path = file(
      'future.csv',
      'customer_id,occurred_at,amount,currency\nc1,2024-01-02,10.00,EUR\nc2,2099-01-02,5.00,EUR\n',
    );
    const { inLine, thread } = await bothWays(path, { format: 'csv' }, 10);
    expect(thread.batches).toHaveLength(1);
    expect(thread.batches[0].validation).toMatchObject({
      ok: false,
      errors: [
        { index: 2, path: '$.events[2].occurredAt', code: 'INVALID_FIELD' },
        { index: 3, path: '$.events[3].occurredAt', code: 'INVALID_FIELD' },
      ],
    });
    expect(thread.batches[0].lines).toEqual([2, 2, 3, 3]);
    expect(asJson(thread.batches)).toEqual(asJson(inLine.batches));
  }, 60_000);

  it('fails on a missing file with PurchaseLogSourceError, as the parser does', async () => {
    const { inLine, thread } = await bothWays(join(dir, 'none.txt'), { format: 'cdnow' }, 4);
    expect(thread.error).toBeInstanceOf(PurchaseLogSourceError);
    expect(thread.error?.message).toBe(inLine.error?.message);
  }, 60_000);
});
