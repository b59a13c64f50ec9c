import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { requireBuiltCli, runCrm, type CliRun } from '../support/crm-cli';

const brokers = process.env.KAFKA_BROKERS;

/** `crm ...` as a user runs it: the built binary, embedded store under DATA_DIR, Kafka only if given. */
function crm(args: string[], env: Record<string, string>): Promise<CliRun> {
  const { EVENTSTORE_URL: _e, DATABASE_URL: _d, KAFKA_BROKERS: _k, ...inherited } = process.env;
  return runCrm(args, { ...inherited, ...env });
}

jest.setTimeout(120_000);

describe('crm republish (the built binary)', () => {
  let dataDir: string;
  let head: number;

  beforeAll(async () => {
    requireBuiltCli();
    dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-republish-'));
    const generated = await crm(['generate', '-n', '200', '--append', '--quiet', '--json'], {
      DATA_DIR: dataDir,
    });
    expect(generated.code).toBe(0);
    head = (JSON.parse(generated.stdout) as { appended: number }).appended;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses bad command lines with exit code 2', async () => {
    const kafka = { DATA_DIR: dataDir, KAFKA_BROKERS: '127.0.0.1:1' };
    const cases: [string[], Record<string, string>, string][] = [
      [['republish', '--from-position', '1'], kafka, '--topic must be a Kafka topic name'],
      [
        ['republish', '--topic', 't', '--from-position', '1', '--from-date', '2026-01-01'],
        kafka,
        'exactly one of',
      ],
      [['republish', '--topic', 't'], kafka, 'exactly one of'],
      [['republish', '--topic', 't', '--from-position', 'x'], kafka, '--from-position must be'],
      [['republish', '--topic', 't', '--from-date', 'yesterday'], kafka, '--from-date must be'],
      [['republish', '--topic', 't', '--from-position', '1', '--rate', '0'], kafka, '--rate must be'],
      [
        ['republish', '--topic', 'crm.customer-lifecycle.v1', '--from-position', '1'],
        kafka,
        'must not be the live topic',
      ],
      [['republish', '--topic', 't', '--from-position', '1'], { DATA_DIR: dataDir }, 'set KAFKA_BROKERS'],
    ];
    for (const [args, env, message] of cases) {
      const run = await crm(args, env);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain(message);
    }
    const help = await crm(['republish', '--help'], { DATA_DIR: dataDir });
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: crm republish --topic') });
  });

  (brokers ? it : it.skip)(
    'publishes the history to a new topic at the given rate (KAFKA_BROKERS)',
    async () => {
      const topic = `crm.republish.cli.${randomUUID()}`;
      const admin = new Kafka({
        clientId: 'cli-republish-test',
        brokers: (brokers as string).split(','),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      try {
        const from = 11;
        const run = await crm(
          ['republish', '--topic', topic, '--from-position', String(from), '--rate', '5000', '--json'],
          { DATA_DIR: dataDir, KAFKA_BROKERS: brokers as string },
        );
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout)).toMatchObject({
          topic,
          fromPosition: String(from),
          toPosition: String(head),
          events: head - from + 1,
        });
        expect(run.stderr).toMatch(
          /republish {2}100% {2}position \d+\/\d+ {2}\d+ events {2}[\d,]+ ev\/s {2}done in/,
        );
        const offsets = await admin.fetchTopicOffsets(topic);
        expect(offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)).toBe(head - from + 1);
      } finally {
        await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
        await admin.disconnect();
      }
    },
  );
});
