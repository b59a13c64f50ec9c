import { PassThrough } from 'node:stream';
import { generate, type GenerateProgress } from '../generate';
import { publishedEvents, publishedRecords } from '../lifecycle.generator';
import { ndjsonFileSink, NdjsonSink } from './ndjson.sink';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

describe('NdjsonSink and generate()', () => {
  it('writes one published event per line, in order, and reports progress', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const progress: GenerateProgress[] = [];
    const summary = await generate({ customers: 500, seed: 3 }, new NdjsonSink(out, { chunkBytes: 4096 }), {
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });

    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    expect(lines).toEqual([...publishedRecords({ customers: 500, seed: 3 })].map((e) => JSON.stringify(e)));
    // The customers' events are those of the customers-only iteration, spend lines are all there is besides.
    const customerLines = lines.filter((line) => !line.includes('"type":"MarketingSpendRecorded"'));
    expect(customerLines).toEqual(
      [...publishedEvents({ customers: 500, seed: 3 })].map((e) => JSON.stringify(e)),
    );
    expect(lines.length - customerLines.length).toBe(summary.byType.MarketingSpendRecorded);
    expect(summary.events).toBe(lines.length);
    expect(Object.values(summary.byType).reduce((a, b) => a + b, 0)).toBe(lines.length);
    expect(summary.byType.CustomerAcquired).toBe(500);
    expect(summary.dropped).toBe(0);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ eventsWritten: lines.length, customersDone: 500, customersTotal: 500 });
    expect(last.fraction).toBe(1);
    expect(progress.slice(0, -1).every((p) => p.fraction < 1)).toBe(true);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const sink = new NdjsonSink(new PassThrough().resume());
    await expect(generate({ customers: 2000 }, sink, { signal: controller.signal })).rejects.toThrow(
      /abort/i,
    );
  });

  it('fails the run, not the process, when the file cannot be written', async () => {
    const sink = ndjsonFileSink(join(tmpdir(), 'no-such-dir-for-ndjson', 'events.ndjson'), {
      chunkBytes: 1024,
    });
    await expect(generate({ customers: 300 }, sink)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
