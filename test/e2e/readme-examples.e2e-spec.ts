import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';

interface Example {
  readonly path: string;
  readonly body: unknown;
  /** The answer README shows, when it shows one in full (no "…"). */
  readonly answer?: unknown;
}

/** README's POST examples of "Publish events (curl examples)", in order, each with the answer shown after it. */
function readmeExamples(): Example[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## Publish events (curl examples)');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const examples: Example[] = [];
  const block =
    /```bash\n(curl -s -X POST localhost:3000(\S+) [^\n]*-d '([\s\S]*?)'\n)```\n(?:```json\n([^\n]*)\n```)?/g;
  for (const [, , path, body, answer] of section.matchAll(block)) {
    examples.push({
      path,
      body: JSON.parse(body),
      ...(answer && !answer.includes('…') ? { answer: JSON.parse(answer) } : {}),
    });
  }
  return examples;
}

/**
 * README says its curl examples "work verbatim on a fresh data directory, and return what is shown": this
 * sends each POST as written, in order, to a fresh embedded deployment and compares the answer.
 */
describe("README's publish examples", () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('finds the examples, the new facts and the marketing spend among them', () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(8);
    const text = JSON.stringify(examples);
    for (const type of ['CustomerFeedbackGiven', 'CustomerComplaintResolved', 'CustomerConsentWithdrawn']) {
      expect(text).toContain(type);
    }
    expect(examples.map((e) => e.path)).toContain('/v1/marketing/spend');
  });

  it('answers each as shown, in order, on a fresh data directory', async () => {
    for (const [i, example] of readmeExamples().entries()) {
      const res = await request(api.http)
        .post(example.path)
        .send(example.body as object);
      const label = `example ${i} (${example.path})`;
      if (example.answer) expect({ label, body: res.body }).toEqual({ label, body: example.answer });
      else expect({ label, status: res.status < 500 }).toEqual({ label, status: true });
    }
  });
});
