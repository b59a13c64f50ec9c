import { SqliteEventStore } from '@crm/event-store';
import type { EventToAppend, RecordedEvent } from '@crm/event-store';
import { createReadModelDataSource, readRelayLease, RelayLease } from '@crm/read-model';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { Relay, RelayPublisher } from './relay.service';

const OPTIONS = { batchSize: 50, lingerMs: 5, heartbeatMs: 50 };
const TTL_MS = 300;

/** Records what each relay published, tagged with the relay's name; can freeze like a stalled process. */
class RecordingPublisher implements RelayPublisher {
  private thaw?: Promise<void>;
  private release?: () => void;
  constructor(
    private readonly log: { by: string; event: RecordedEvent }[],
    private readonly by: string,
  ) {}
  freeze(): void {
    this.thaw = new Promise((resolve) => (this.release = resolve));
  }
  unfreeze(): void {
    this.release?.();
    this.thaw = undefined;
  }
  async publish(events: readonly RecordedEvent[]): Promise<void> {
    if (this.thaw) await this.thaw;
    for (const event of events) this.log.push({ by: this.by, event });
  }
}

const event = (n: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'CustomerContacted',
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  data: { channel: 'email', direction: 'outbound', purpose: 'marketing' },
  metadata: { schemaVersion: 1 },
});

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Relay (embedded store, SQLite lease)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: DataSource;
  const log: { by: string; event: RecordedEvent }[] = [];
  const relays: Relay[] = [];

  beforeEach(async () => {
    log.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'relay-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    db = createReadModelDataSource({ dataDir: dir });
    await db.initialize();
    await db.runMigrations();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await db.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a relay named `name` (its lease owner) on `publisher`; stopped after the test. */
  const runRelay = (name: string, publisher: RelayPublisher, options = OPTIONS) => {
    const relay = new Relay(store, publisher, new RelayLease(db, 'relay', name, TTL_MS), options);
    relays.push(relay);
    relay.start();
    return relay;
  };
  /** Batches go out full only (a long linger): on a loaded machine a 5 ms linger could send a partial one. */
  const FULL_BATCHES_OF_20 = { ...OPTIONS, batchSize: 20, lingerMs: 60_000 };

  const publishers = new Map<string, RecordingPublisher>();
  const startRelay = (name: string) => {
    const publisher = new RecordingPublisher(log, name);
    publishers.set(name, publisher);
    return runRelay(name, publisher);
  };

  const appendCustomers = async (customers: number, eventsEach: number) => {
    for (let c = 0; c < customers; c++) {
      await store.appendToStream(
        `customer-c${c}-${randomUUID().slice(0, 6)}`,
        Array.from({ length: eventsEach }, (_, i) => event(i)),
      );
    }
  };

  it('publishes history then live appends, in global order, and checkpoints', async () => {
    await appendCustomers(20, 5);
    const relay = startRelay('r1');
    await appendCustomers(10, 3);
    await until(() => log.length === 130, '130 published events');
    const positions = log.map((l) => l.event.globalPosition);
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    await until(
      async () => (await readRelayLease(db, 'relay'))?.position === (await store.headPosition()),
      'checkpoint',
    );
    expect(relay.status()).toMatchObject({ role: 'leader', publishedEvents: 130 });
  });

  it('lets exactly one of two relays publish; the other takes over when it stalls, losing nothing', async () => {
    await appendCustomers(10, 10);
    const a = startRelay('a');
    const b = startRelay('b');
    await until(() => log.length >= 100, 'the first 100 events');
    const leader = a.status().role === 'leader' ? a : b;
    const standby = leader === a ? b : a;
    expect(standby.status().role).toBe('standby');
    expect(new Set(log.map((l) => l.by))).toEqual(new Set([leader.status().owner]));

    // The leader stalls mid-publish (a frozen process keeps its lease until the TTL runs out).
    const stalled = publishers.get(leader.status().owner)!;
    stalled.freeze();
    await appendCustomers(10, 5);
    await until(() => standby.status().role === 'leader', 'the standby to take over');
    const head = await store.headPosition();
    await until(() => log.some((l) => l.event.globalPosition === head), 'the last event to be published');

    // Back to life, the old leader may publish its stalled batch again (at-least-once) but cannot move the
    // checkpoint: its lease is gone, so it steps down.
    stalled.unfreeze();
    await until(() => leader.status().role === 'standby', 'the old leader to step down');
    expect((await readRelayLease(db, 'relay'))?.owner).toBe(standby.status().owner);
    expect((await readRelayLease(db, 'relay'))?.position).toBe(head);

    const published = new Set(log.map((l) => l.event.eventId));
    const all = await store.readAll({ maxCount: 10_000 });
    expect(all).toHaveLength(150);
    expect(all.every((e) => published.has(e.eventId))).toBe(true);
    expect(log.filter((l) => l.by === standby.status().owner).length).toBeGreaterThan(0);
  });

  it('resumes from the checkpoint after a restart instead of starting over', async () => {
    await appendCustomers(5, 4);
    const first = startRelay('r1');
    await until(() => log.length === 20, 'first run');
    await until(
      async () => (await readRelayLease(db, 'relay'))?.position === (await store.headPosition()),
      'checkpoint',
    );
    await first.stop();
    relays.splice(relays.indexOf(first), 1);
    await appendCustomers(2, 3);
    startRelay('r2');
    await until(() => log.length === 26, 'second run');
    expect(log.slice(20).every((l) => l.by === 'r2')).toBe(true);
    expect(new Set(log.map((l) => l.event.eventId)).size).toBe(26);
  });

  it('keeps up to its window of publishes in flight and checkpoints only what is done, in order', async () => {
    // Publishes complete when the test says so; the second one fails.
    const calls: { events: readonly RecordedEvent[]; settle: (error?: Error) => void }[] = [];
    let autoComplete = false;
    const publisher: RelayPublisher = {
      window: 3,
      publish: (events) =>
        new Promise<void>((resolve, reject) => {
          calls.push({ events, settle: (error) => (error ? reject(error) : resolve()) });
          if (autoComplete) resolve();
        }),
    };
    await appendCustomers(6, 10); // 60 events: three batches of 20
    runRelay('w', publisher, FULL_BATCHES_OF_20);
    // Window 3: three batches of 20 go out before any completes; no fourth while they are in flight.
    await until(() => calls.length === 3, 'three publishes in flight');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(3);
    expect((await readRelayLease(db, 'relay'))?.position ?? null).toBeNull();

    // The third completes first: nothing may be checkpointed past the unfinished first.
    calls[2].settle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await readRelayLease(db, 'relay'))?.position ?? null).toBeNull();
    calls[0].settle();
    const firstLast = calls[0].events[19].globalPosition;
    await until(async () => (await readRelayLease(db, 'relay'))?.position === firstLast, 'first checkpoint');

    // The second fails: the relay resumes from the first batch's end and publishes the rest again.
    autoComplete = true;
    calls[1].settle(new Error('bus refused'));
    await until(() => calls.length >= 4, 'a republish after the failure');
    expect(calls[3].events[0].globalPosition).toBe(calls[1].events[0].globalPosition);
    const head = await store.headPosition();
    await until(async () => (await readRelayLease(db, 'relay'))?.position === head, 'the head checkpointed');
  });

  it('stops handing out publishes once windowEvents are in flight, however wide its window', async () => {
    const calls: { events: readonly RecordedEvent[]; settle: () => void }[] = [];
    const publisher: RelayPublisher = {
      window: 100,
      windowEvents: 40,
      publish: (events) => new Promise<void>((resolve) => calls.push({ events, settle: resolve })),
    };
    await appendCustomers(10, 10); // 100 events: five batches of 20
    runRelay('e', publisher, FULL_BATCHES_OF_20);
    await until(() => calls.length === 2, 'two publishes in flight');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(2); // 40 events in flight: the window of publishes is far from full
    calls[0].settle();
    await until(() => calls.length === 3, 'a third once the first is done');
    for (let i = 1; ; i++) {
      await until(() => calls.length > i, `publish ${i + 1}`);
      calls[i].settle();
      if (calls.slice(0, i + 1).reduce((n, c) => n + c.events.length, 0) === 100) break;
    }
    const head = await store.headPosition();
    await until(async () => (await readRelayLease(db, 'relay'))?.position === head, 'the head checkpointed');
  });

  it('publishes a partial batch once its first event is lingerMs old, even while events keep coming', async () => {
    const sizes: number[] = [];
    const publisher: RelayPublisher = { publish: async (events) => void sizes.push(events.length) };
    const relay = runRelay('l', publisher, { batchSize: 10_000, lingerMs: 20, heartbeatMs: 50 });
    await until(() => relay.status().role === 'leader', 'leadership');
    // A steady trickle, never 20 ms of silence: one customer's event every ~2 ms for ~300 ms.
    const stream = `customer-trickle-${randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 150; i++) {
      await store.appendToStream(stream, [event(i)]);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await until(() => sizes.reduce((a, b) => a + b, 0) === 150, 'every event published');
    // Waiting for silence would have held them all in one batch; by age they go out in several.
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.max(...sizes)).toBeLessThan(150);
  });
});
