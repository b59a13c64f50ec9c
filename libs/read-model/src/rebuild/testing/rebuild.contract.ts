import { campaignStreamId } from '@crm/domain';
import { createEventStore } from '@crm/event-store';
import type { EventStore, RecordedEvent } from '@crm/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { CustomerReadModelProjector } from '../../customer-read-model.projector';
import { foldCustomerSummary } from '../../customer-summary.fold';
import { runExclusive } from '../../exclusive-access';
import { CUSTOMER_READ_MODEL_PROJECTION } from '../../read-model.constants';
import { isPostgres, quotedTable } from '../../sql-dialect';
import { generateCustomerHistory } from '../../testing/customer-history.generator';
import type { ReadModelEngine } from '../../testing/read-model.harness';
import { readModelSummaries, SPRING_SPEND } from '../../testing/read-model.harness';
import { CustomerReadModelRebuild } from '../customer-read-model.rebuild';
import type { RebuildableProjection, ShadowBuild } from '../rebuildable-projection';
import { ProjectionRebuilder } from '../projection-rebuilder';
import { RebuildLeases } from '../rebuild-lease.repository';
import {
  RebuildAlreadyRunningError,
  RebuildInterruptedError,
  RebuildLeaseLostError,
} from '../rebuild.errors';

const PROJECTION = CUSTOMER_READ_MODEL_PROJECTION;

/** Appends events in their global order (one append each), so the store's positions follow the history. */
export async function appendInOrder(store: EventStore, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    const { eventId, type, occurredAt, data, metadata } = e;
    await store.appendToStream(e.streamId, [{ eventId, type, occurredAt, data, metadata }], {
      expectedRevision: 'any',
    });
  }
}

/** The fold of every customer stream in the store: what a correct projection holds. */
export async function foldStore(store: EventStore, skipStreams: readonly string[] = []) {
  const streams = new Map<string, RecordedEvent[]>();
  for (let after: bigint | undefined; ;) {
    const batch = await store.readAll({ after, maxCount: 10_000, streamPrefix: 'customer-' });
    if (batch.length === 0) break;
    for (const e of batch) {
      if (skipStreams.includes(e.streamId)) continue;
      const id = e.streamId.slice('customer-'.length);
      streams.set(id, [...(streams.get(id) ?? []), e]);
    }
    after = batch[batch.length - 1].globalPosition;
  }
  return new Map([...streams].map(([id, events]) => [id, foldCustomerSummary(events)]));
}

/** Makes the live projection visibly wrong, so a test can tell the old tables from the rebuilt ones. */
async function spoil(live: DataSource): Promise<void> {
  await runExclusive(live, async () => {
    const customers = quotedTable(live, 'customers');
    await live.query(`UPDATE ${customers} SET name = 'stale', contacts_count = contacts_count + 1000`);
    await live.query(`UPDATE ${quotedTable(live, 'customer_spend')} SET total_minor = total_minor + 1`);
  });
}

/** Applies everything in the store to the live projection, as the live projector would (from a position). */
async function followStore(store: EventStore, live: DataSource, after?: bigint): Promise<bigint | undefined> {
  const projector = new CustomerReadModelProjector(live);
  for (;;) {
    const batch = await store.readAll({ after, maxCount: 300, streamPrefix: 'customer-' });
    if (batch.length === 0) return after;
    await projector.apply(batch, { projection: PROJECTION });
    after = batch[batch.length - 1].globalPosition;
  }
}

/** The indexes (primary keys included) and table definitions of the swapped tables, as the engine lists them. */
async function schemaOf(live: DataSource): Promise<string[]> {
  if (isPostgres(live)) {
    const schema = (live.driver.options as { schema?: string }).schema ?? 'public';
    const rows: { indexname: string; indexdef: string }[] = await live.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename IN ('customers', 'customer_spend') ORDER BY indexname`,
      [schema],
    );
    return rows.map((r) => `${r.indexname}: ${r.indexdef}`);
  }
  const rows: { name: string; sql: string | null }[] = await runExclusive(live, () =>
    live.query(
      `SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('customers', 'customer_spend') ORDER BY name`,
    ),
  );
  return rows.map((r) => `${r.name}: ${r.sql ?? 'automatic'}`);
}

/** Lets the shadow commit its Nth batch, then fails as a process would that died before recording progress. */
function crashingAfterBatch(projection: RebuildableProjection, n: number): RebuildableProjection {
  return {
    name: projection.name,
    streamPrefix: projection.streamPrefix,
    livePosition: () => projection.livePosition(),
    async openShadow(options) {
      const shadow = await projection.openShadow(options);
      let batches = 0;
      const crashing: ShadowBuild = {
        position: shadow.position,
        async apply(events, position) {
          const outcome = await shadow.apply(events, position);
          if (++batches === n) throw new Error('killed after the shadow committed a batch');
          return outcome;
        },
        swap: (context) => shadow.swap(context),
        retire: () => shadow.retire(),
        close: () => shadow.close(),
      };
      return crashing;
    },
  };
}

/**
 * The rebuild's behaviour on one read-model engine. `engine.create` gives a fresh, empty database per
 * test; the event store is an embedded one (through the factory, so reads are upcast as in production).
 */
export function describeRebuildContract(engine: ReadModelEngine): void {
  describe(`projection rebuild on ${engine.name}`, () => {
    let dir: string;
    let store: EventStore;
    let live: DataSource;
    const history = generateCustomerHistory({ customers: 60, seed: 11 });

    const rebuilder = (owner = 'test-owner', leaseTtlMs = 10_000) =>
      new ProjectionRebuilder(store, live, { owner, leaseTtlMs });

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'crm-rebuild-'));
      store = createEventStore({ dataDir: dir });
      await appendInOrder(store, history.events);
      live = await engine.create();
      await live.initialize();
      await live.runMigrations({ transaction: 'all' });
      await followStore(store, live);
    });

    afterEach(async () => {
      await engine.dispose(live);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('builds a shadow from the store and swaps it in: the projection equals a fresh fold', async () => {
      await spoil(live);
      expect((await readModelSummaries(live)).get('c-1')?.profile.name).toBe('stale');
      const projection = new CustomerReadModelRebuild(live);

      const progress: number[] = [];
      const result = await rebuilder().rebuild(projection, {
        batchSize: 100,
        onProgress: (p) => progress.push(p.fraction),
      });

      expect(await readModelSummaries(live)).toEqual(await foldStore(store));
      const head = await store.headPosition();
      expect(result).toMatchObject({ position: head, startPosition: 0n, resumed: false, phase: 'done' });
      expect(result.eventsApplied).toBe(history.events.length);
      expect(progress.length).toBeGreaterThan(3);
      expect(progress.at(-1)).toBe(1);
      expect(await projection.livePosition()).toBe(head);
      expect(await new RebuildLeases(live).read(PROJECTION)).toMatchObject({
        status: 'completed',
        owner: 'test-owner',
        leaseExpiresAt: 0,
        position: head,
        error: null,
      });
    });

    it('leaves campaign streams (marketing spend) out of the rebuilt projection', async () => {
      await store.appendToStream(
        campaignStreamId('spring-26'),
        [
          {
            eventId: '7d4f3c2e-0000-4000-8000-000000000001',
            type: 'MarketingSpendRecorded',
            occurredAt: '2026-01-31T00:00:00Z',
            data: SPRING_SPEND,
            metadata: { schemaVersion: 1 },
          },
        ],
        { expectedRevision: 'any' },
      );
      await spoil(live);
      const result = await rebuilder().rebuild(new CustomerReadModelRebuild(live), { batchSize: 100 });
      const summaries = await readModelSummaries(live);
      expect(summaries).toEqual(await foldStore(store));
      expect(summaries.size).toBe(history.streams.size);
      expect([...summaries.keys()].some((id) => id.includes('spring-26'))).toBe(false);
      expect(result.eventsApplied).toBe(history.events.length);
    });

    it('is resumable: after an abort the next run continues from the shadow checkpoint', async () => {
      await spoil(live);
      const controller = new AbortController();
      let batches = 0;
      const first = rebuilder().rebuild(new CustomerReadModelRebuild(live), {
        batchSize: 60,
        signal: controller.signal,
        onProgress: () => {
          if (++batches === 3) controller.abort();
        },
      });
      await expect(first).rejects.toBeInstanceOf(RebuildInterruptedError);
      const interrupted = await new RebuildLeases(live).read(PROJECTION);
      expect(interrupted).toMatchObject({ status: 'interrupted', eventsApplied: 180, leaseExpiresAt: 0 });
      // The old projection kept serving, untouched.
      expect((await readModelSummaries(live)).get('c-1')?.profile.name).toBe('stale');

      const second = await rebuilder('another-owner').rebuild(new CustomerReadModelRebuild(live), {
        batchSize: 60,
      });
      expect(second.resumed).toBe(true);
      expect(second.startPosition).toBe(interrupted?.position);
      expect(second.startPosition).toBeGreaterThan(0n);
      expect(second.eventsApplied).toBe(history.events.length - 180);
      expect(await readModelSummaries(live)).toEqual(await foldStore(store));
    });

    it('swaps in tables with exactly the live indexes, though the shadow is built without them', async () => {
      const before = await schemaOf(live);
      expect(before.length).toBeGreaterThanOrEqual(8); // 2 primary keys and the 6 secondary indexes
      await rebuilder().rebuild(new CustomerReadModelRebuild(live), { batchSize: 100 });
      expect(await schemaOf(live)).toEqual(before);
      expect(await readModelSummaries(live)).toEqual(await foldStore(store));
    });

    it('resumes exactly after dying between a committed shadow batch and recording it', async () => {
      await spoil(live);
      await expect(
        rebuilder().rebuild(crashingAfterBatch(new CustomerReadModelRebuild(live), 3), { batchSize: 70 }),
      ).rejects.toThrow('killed after the shadow committed a batch');
      // The lease row still says 2 batches; the shadow's own checkpoint, committed with its rows, says 3.
      expect(await new RebuildLeases(live).read(PROJECTION)).toMatchObject({
        status: 'failed',
        eventsApplied: 140,
      });
      const resumed = await rebuilder().rebuild(new CustomerReadModelRebuild(live), { batchSize: 70 });
      expect(resumed.resumed).toBe(true);
      expect(resumed.eventsApplied).toBe(history.events.length - 210);
      expect(await readModelSummaries(live)).toEqual(await foldStore(store));
    });

    it('starts over when asked to, and never resumes the shadow of a completed run', async () => {
      await rebuilder().rebuild(new CustomerReadModelRebuild(live), { batchSize: 200 });
      const again = await rebuilder().rebuild(new CustomerReadModelRebuild(live), { batchSize: 200 });
      expect(again).toMatchObject({ resumed: false, startPosition: 0n });

      const controller = new AbortController();
      await expect(
        rebuilder().rebuild(new CustomerReadModelRebuild(live), {
          batchSize: 100,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      ).rejects.toBeInstanceOf(RebuildInterruptedError);
      const scratch = await rebuilder().rebuild(new CustomerReadModelRebuild(live), {
        batchSize: 100,
        fromScratch: true,
      });
      expect(scratch).toMatchObject({ resumed: false, startPosition: 0n });
      expect(scratch.eventsApplied).toBe(history.events.length);
      expect(await readModelSummaries(live)).toEqual(await foldStore(store));
    });

    it('runs one rebuild of a projection at a time; a dead holder is replaced once its lease expires', async () => {
      let release!: () => void;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const projection = new CustomerReadModelRebuild(live);
      const slow = {
        name: projection.name,
        streamPrefix: projection.streamPrefix,
        livePosition: () => projection.livePosition(),
        openShadow: async (options: { fresh: boolean }) => {
          const shadow = await projection.openShadow(options);
          started();
          await blocked;
          return shadow;
        },
      };
      const first = rebuilder('first').rebuild(slow, { batchSize: 500 });
      await running;
      const second = rebuilder('second').rebuild(projection);
      await expect(second).rejects.toBeInstanceOf(RebuildAlreadyRunningError);
      await expect(second).rejects.toMatchObject({ code: 'REBUILD_ALREADY_RUNNING', owner: 'first' });
      release();
      await first;
      // Free again once the first one finished.
      await expect(rebuilder('second').rebuild(projection, { batchSize: 500 })).resolves.toMatchObject({
        phase: 'done',
      });

      // A holder that died keeps the lease until it expires; then another process takes over, and the
      // dead one (if it was only stalled) finds out at its next write.
      const leases = new RebuildLeases(live);
      await leases.acquire(PROJECTION, 'dead', 1, Date.now() - 10);
      const taken = await rebuilder('alive').rebuild(projection, { batchSize: 500 });
      expect(taken.phase).toBe('done');
      await expect(leases.progress(PROJECTION, 'dead', 1_000, {})).rejects.toBeInstanceOf(
        RebuildLeaseLostError,
      );
    });

    it('catches up with appends made during the build; the live projector then goes on with no gap or double', async () => {
      await spoil(live);
      const more = generateCustomerHistory({ customers: 30, seed: 99 }).events.map((e) => ({
        ...e,
        streamId: e.streamId.replace('customer-', 'customer-late-'),
        eventId: e.eventId.replace(/^00000000/, '11111111'),
      }));
      // Live traffic while rebuilding: new events are appended and the live projector applies them to the
      // old tables, sometimes ahead of the shadow. One after the other, as a stream's writes are.
      let liveAfter = await followStore(store, live);
      let appended = 0;
      let traffic = Promise.resolve();
      const result = await rebuilder().rebuild(new CustomerReadModelRebuild(live), {
        batchSize: 80,
        onProgress: () => {
          const chunk = more.slice(appended, appended + 40);
          appended += chunk.length;
          traffic = traffic.then(async () => {
            await appendInOrder(store, chunk);
            liveAfter = await followStore(store, live, liveAfter);
          });
        },
      });
      await traffic;
      expect(result.position).toBeGreaterThan(BigInt(history.events.length));
      await appendInOrder(store, more.slice(appended));

      // The live projector resumes where it was (its offsets are untouched by the swap): it re-reads events
      // the swap already put in the new tables (skipped by revision) and applies the newer ones.
      liveAfter = await followStore(store, live, liveAfter);
      expect(liveAfter).toBe(await store.headPosition());
      const summaries = await readModelSummaries(live);
      expect(summaries).toEqual(await foldStore(store));
      expect([...summaries.keys()].filter((id) => id.startsWith('late-')).length).toBe(30);
      expect(await new CustomerReadModelRebuild(live).livePosition()).toBe(await store.headPosition());
    });

    it('leaves out an event it can never apply, as the live projector dead-letters it, and reports it', async () => {
      const poison = {
        eventId: '99999999-0000-4000-8000-000000000001',
        type: 'CustomerPurchased',
        occurredAt: '2026-01-01T00:00:00.000Z',
        data: { orderId: 'o-bad', amount: { minor: 1.5, currency: 'EUR' } },
        metadata: { schemaVersion: 2 },
      };
      await store.appendToStream('customer-poison', [poison]);
      const late = generateCustomerHistory({ customers: 5, seed: 8 }).events.map((e) => ({
        ...e,
        streamId: e.streamId.replace('customer-', 'customer-after-'),
        eventId: e.eventId.replace(/^00000000/, '22222222'),
      }));
      await appendInOrder(store, late);
      const result = await rebuilder().rebuild(new CustomerReadModelRebuild(live), { batchSize: 100 });
      expect(result.skipped).toEqual([
        {
          eventId: poison.eventId,
          streamId: 'customer-poison',
          globalPosition: BigInt(history.events.length + 1),
          reason: expect.stringContaining('CustomerPurchased needs amount {minor: integer, currency}'),
        },
      ]);
      const summaries = await readModelSummaries(live);
      expect(summaries.has('poison')).toBe(false);
      expect(summaries.size).toBe(history.streams.size + 5);
      expect(summaries).toEqual(await foldStore(store, ['customer-poison']));
    });

    it('records a failure with its reason and leaves the old projection serving', async () => {
      await spoil(live);
      const projection = new CustomerReadModelRebuild(live);
      const failing = {
        name: projection.name,
        streamPrefix: projection.streamPrefix,
        livePosition: () => projection.livePosition(),
        openShadow: async (options: { fresh: boolean }) => {
          const shadow = await projection.openShadow(options);
          return {
            get position() {
              return shadow.position;
            },
            apply: async (events: readonly RecordedEvent[], position: bigint) => {
              if (position > 200n) throw new Error('disk full');
              return shadow.apply(events, position);
            },
            swap: shadow.swap.bind(shadow),
            retire: shadow.retire.bind(shadow),
            close: shadow.close.bind(shadow),
          };
        },
      };
      await expect(rebuilder().rebuild(failing, { batchSize: 100 })).rejects.toThrow('disk full');
      expect(await new RebuildLeases(live).read(PROJECTION)).toMatchObject({
        status: 'failed',
        error: 'disk full',
        position: 200n,
        leaseExpiresAt: 0,
      });
      expect((await readModelSummaries(live)).get('c-1')?.profile.name).toBe('stale');
      // The failed run's shadow is resumed by the next one.
      const next = await rebuilder().rebuild(projection, { batchSize: 100 });
      expect(next).toMatchObject({ resumed: true, startPosition: 200n });
      expect(await readModelSummaries(live)).toEqual(await foldStore(store));
    });
  });
}
