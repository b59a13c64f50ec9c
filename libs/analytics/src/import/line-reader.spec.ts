import { Readable } from 'node:stream';
import { readLines } from './line-reader';

async function lines(chunks: (string | Buffer)[]) {
  const out = [];
  for await (const line of readLines(Readable.from(chunks))) out.push(line);
  return out;
}

describe('readLines', () => {
  it('splits LF and CRLF lines and counts the bytes consumed', async () => {
    expect(await lines(['a\r\nbb\n', 'ccc'])).toEqual([
      { lineNumber: 1, text: 'a', bytesRead: 3 },
      { lineNumber: 2, text: 'bb', bytesRead: 6 },
      { lineNumber: 3, text: 'ccc', bytesRead: 9 },
    ]);
  });

  it('keeps a multi-byte character split across chunks, and drops a leading byte order mark', async () => {
    const text = Buffer.from('\ufeffcafé;1\nnaïve\n', 'utf8');
    const cut = text.indexOf(0xa9); // inside é (0xc3 0xa9)
    const result = await lines([text.subarray(0, cut), text.subarray(cut)]);
    expect(result.map((l) => l.text)).toEqual(['café;1', 'naïve']);
    expect(result[1].bytesRead).toBe(text.length);
  });

  it('yields nothing for an empty source and an empty line for a blank one', async () => {
    expect(await lines([])).toEqual([]);
    expect((await lines(['\n'])).map((l) => l.text)).toEqual(['']);
  });
});
