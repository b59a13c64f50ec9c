import type { Readable } from 'node:stream';

export interface SourceLine {
  /** 1-based. */
  readonly lineNumber: number;
  /** Without the line end (LF or CRLF) and, on the first line, without a UTF-8 byte order mark. */
  readonly text: string;
  /** Bytes of the source consumed up to and including this line's end. */
  readonly bytesRead: number;
}

const LF = 0x0a;

/**
 * Lines of a byte stream, with an exact count of the bytes consumed (for progress): splits on LF in the raw
 * bytes, so multi-byte characters never straddle a decode and CRLF files work.
 */
export async function* readLines(source: Readable): AsyncGenerator<SourceLine> {
  let pending: Buffer = Buffer.alloc(0);
  let bytesRead = 0;
  let lineNumber = 0;
  const line = (bytes: Buffer, terminator: number): SourceLine => {
    bytesRead += bytes.length + terminator;
    lineNumber += 1;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (lineNumber === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { lineNumber, text, bytesRead };
  };
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    let start = 0;
    for (let end = pending.indexOf(LF, start); end !== -1; end = pending.indexOf(LF, start)) {
      yield line(pending.subarray(start, end), 1);
      start = end + 1;
    }
    pending = pending.subarray(start);
  }
  if (pending.length > 0) yield line(pending, 0);
}
