import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { GeneratedRecord } from '../published-event';
import type { EventSink } from './event-sink';

export interface NdjsonSinkOptions {
  /** Bytes gathered before one write to the stream. Default 1 MiB. */
  readonly chunkBytes?: number;
  /** End the stream on close (not for process.stdout). Default true. */
  readonly endStream?: boolean;
}

/** One published event per line (the API's JSON shape), written in chunks with the stream's backpressure. */
export class NdjsonSink implements EventSink {
  private lines: string[] = [];
  private size = 0;
  private readonly chunkBytes: number;
  /** The stream's error (a file that cannot be opened, a closed pipe): fails the next write or close. */
  private failure: Error | undefined;

  constructor(
    private readonly out: Writable,
    private readonly options: NdjsonSinkOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? 1 << 20;
    // Without a listener a stream error would crash the process instead of failing the run.
    out.on('error', (error: Error) => (this.failure ??= error));
  }

  write(event: GeneratedRecord): void | Promise<void> {
    if (this.failure) throw this.failure;
    const line = JSON.stringify(event.published);
    this.lines.push(line);
    this.size += line.length + 1;
    if (this.size >= this.chunkBytes) return this.flush();
  }

  async close(): Promise<void> {
    if (!this.failure) await this.flush();
    if (this.options.endStream !== false && !this.failure) {
      this.out.end();
      await finished(this.out).catch((error: Error) => (this.failure ??= error));
    }
    if (this.failure) throw this.failure;
  }

  private flush(): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (this.lines.length === 0) return undefined;
    const chunk = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.size = 0;
    if (this.out.write(chunk)) return undefined;
    // A stream that fails while we wait never drains: stop waiting on its error too.
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        this.out.off('drain', done);
        this.out.off('error', done);
        if (error) reject(error);
        else resolve();
      };
      this.out.once('drain', done);
      this.out.once('error', done);
    });
  }
}

/** NDJSON into a file (created or truncated). */
export function ndjsonFileSink(path: string, options: Omit<NdjsonSinkOptions, 'endStream'> = {}): NdjsonSink {
  return new NdjsonSink(createWriteStream(path), options);
}
