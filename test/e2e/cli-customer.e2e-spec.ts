import { currentSchemaVersion, customerStreamId } from '@crm/domain';
import { createEventStore } from '@crm/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquiredEvent, churnedEvent, purchasedEvent } from '../support/event-fixtures';
import { requireBuiltCli, runCrm, type CliRun } from '../support/crm-cli';

function crm(args: string[], dataDir: string): Promise<CliRun> {
  const { EVENTSTORE_URL: _esdb, ...inherited } = process.env; // the prepared embedded store
  return runCrm(args, { ...inherited, DATA_DIR: dataDir });
}

jest.setTimeout(60_000);

/** `crm customer <id> --as-of ...`: the built binary folding a prepared history at several points. */
describe('crm customer (time travel from the command line)', () => {
  let dir: string;

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-cli-customer-'));
    const store = createEventStore({ dataDir: dir });
    // c-1: acquired 2026-01-05 (position 1), purchased 2026-02-01 (2), churned 2026-03-01 (3).
    const history = [acquiredEvent('c-1'), purchasedEvent('c-1'), churnedEvent('c-1')];
    for (const { customerId: _id, ...event } of history) {
      const metadata = 'metadata' in event ? event.metadata : {};
      const schemaVersion = currentSchemaVersion(event.type as Parameters<typeof currentSchemaVersion>[0]);
      await store.appendToStream(customerStreamId('c-1'), [
        { ...event, metadata: { ...metadata, schemaVersion } },
      ]);
    }
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const customerAt = async (...args: string[]) => {
    const run = await crm(['customer', 'c-1', ...args], dir);
    expect(run).toMatchObject({ code: 0 });
    return JSON.parse(run.stdout);
  };

  it('folds the whole stream without --as-of', async () => {
    const now = await customerAt();
    expect(now).toMatchObject({
      stage: 'churned',
      purchasesCount: 1,
      streamRevision: 2,
      lastGlobalPosition: '3',
    });
    expect(now.spend).toEqual([{ currency: 'EUR', totalMinor: 2599, purchases: 1 }]);
  });

  it('answers as of business dates before the purchase, between purchase and churn, and after', async () => {
    expect(await customerAt('--as-of', '2026-01-10T00:00:00Z')).toMatchObject({
      stage: 'acquired',
      purchasesCount: 0,
      streamRevision: 0,
    });
    expect(await customerAt('--as-of', '2026-02-15T00:00:00Z')).toMatchObject({
      stage: 'active',
      purchasesCount: 1,
      streamRevision: 1,
    });
    expect(await customerAt('--as-of', '2026-12-31T00:00:00Z')).toMatchObject({ stage: 'churned' });
  });

  it('answers as of a global position', async () => {
    const atTwo = await customerAt('--as-of', '2');
    expect(atTwo).toMatchObject({ stage: 'active', lastGlobalPosition: '2', asOf: { basis: 'position' } });
  });

  it('exits 1 before the customer existed, and 2 on a bad date or missing id', async () => {
    const before = await crm(['customer', 'c-1', '--as-of', '2025-12-31T00:00:00Z'], dir);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('crm customer: Customer c-1 has no events as of 2025-12-31T00:00:00Z');
    expect((await crm(['customer', 'c-1', '--as-of', 'yesterday'], dir)).code).toBe(2);
    expect((await crm(['customer'], dir)).code).toBe(2);
  });

  it('says an unknown customer has no events, without an "as of" the user never gave', async () => {
    const unknown = await crm(['customer', 'c-nobody'], dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('crm customer: Customer c-nobody has no events');
  });
});
