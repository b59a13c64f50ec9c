import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { GeneratedEvent } from '../published-event';
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

  constructor(
    private readonly out: Writable,
    private readonly options: NdjsonSinkOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? 1 << 20;
  }

  write(event: GeneratedEvent): void | Promise<void> {
    const line = JSON.stringify(event.published);
    this.lines.push(line);
    this.size += line.length + 1;
    if (this.size >= this.chunkBytes) return this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.options.endStream === false) return;
    this.out.end();
    await finished(this.out);
  }

  private flush(): Promise<void> | undefined {
    if (this.lines.length === 0) return undefined;
    const chunk = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.size = 0;
    if (this.out.write(chunk)) return undefined;
    return once(this.out, 'drain').then(() => undefined);
  }
}

/** NDJSON into a file (created or truncated). */
export function ndjsonFileSink(path: string, options: Omit<NdjsonSinkOptions, 'endStream'> = {}): NdjsonSink {
  return new NdjsonSink(createWriteStream(path), options);
}
