import { campaignStreamId, isCampaignStream } from '@crm/domain';
import type { DataSource, EntityManager } from 'typeorm';
import { CustomerScoresRepository, type CustomerScoreRow } from '../customer-scores.repository';
import { CustomerReadModelProjector, type ApplyCheckpoint } from '../customer-read-model.projector';
import { foldCustomerSummary } from '../customer-summary.fold';
import type { CustomerSummary } from '../customer-summary.types';
import { CustomerQueries, type CustomerSort, type ListCustomersQuery } from '../customer.queries';
import { CustomerEntity } from '../entities/customer.entity';
import { CUSTOMER_READ_MODEL_PROJECTION, READ_MODEL_MIGRATIONS_TABLE } from '../read-model.constants';
import { InvalidListQueryError, MalformedEventError, StreamGapError } from '../read-model.errors';
import { quotedTable } from '../sql-dialect';
import { READ_MODEL_MIGRATIONS } from '../migrations/read-model.migrations';
import { generateCustomerHistory } from './customer-history.generator';
import {
  applyInBatches,
  CountingLogger,
  foldAll,
  readModelSummaries,
  snapshot,
  SPRING_SPEND,
  stream,
  type ReadModelEngine,
} from './read-model.harness';

const P = CUSTOMER_READ_MODEL_PROJECTION;

/** Fails after rows and checkpoint were written, to prove they roll back together. */
class FailingProjector extends CustomerReadModelProjector {
  protected override async writeCheckpoint(
    manager: EntityManager,
    checkpoint: ApplyCheckpoint,
    position: bigint | undefined,
    now: string,
  ): Promise<void> {
    await super.writeCheckpoint(manager, checkpoint, position, now);
    throw new Error('boom after the checkpoint was written');
  }
}

/** Fails after the rows were written and before the checkpoint: a crash between the two. */
class CrashBeforeCheckpointProjector extends CustomerReadModelProjector {
  protected override writeCheckpoint(): Promise<void> {
    return Promise.reject(new Error('crash between the rows and the checkpoint'));
  }
}

/**
 * The read model's behaviour, run by `read-model.spec.ts` on SQLite and `read-model.int-spec.ts` on
 * PostgreSQL: both engines must give identical answers.
 */
export function describeReadModelContract(engine: ReadModelEngine): void {
  describe(`read model on ${engine.name}`, () => {
    let ds: DataSource;
    let logger: CountingLogger;

    beforeEach(async () => {
      logger = new CountingLogger();
      ds = await engine.create({ logger });
      await ds.initialize();
    });
    afterEach(() => engine.dispose(ds));

    describe('migrations', () => {
      it('create the schema on an empty database, are recorded, and re-running is a no-op', async () => {
        expect(await ds.showMigrations()).toBe(true);
        const all = READ_MODEL_MIGRATIONS.map((m) => m.name);
        expect(all[0]).toBe('CreateReadModel1767225600000');
        expect((await ds.runMigrations()).map((m) => m.name)).toEqual(all);
        expect(await ds.showMigrations()).toBe(false);
        expect(await ds.runMigrations()).toEqual([]);
        const recorded = await ds.query(`SELECT name FROM ${quotedTable(ds, READ_MODEL_MIGRATIONS_TABLE)}`);
        expect(recorded.map((r: { name: string }) => r.name)).toEqual(all);
      });

      it('describe exactly what the entities map (no pending schema change)', async () => {
        await ds.runMigrations();
        const pending = await ds.driver.createSchemaBuilder().log();
        expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      });

      it('can be reverted and applied again', async () => {
        await ds.runMigrations();
        await ds.undoLastMigration();
        expect(await ds.showMigrations()).toBe(true);
        await ds.runMigrations();
        await new CustomerReadModelProjector(ds).apply(
          stream('c-1').add('CustomerAcquired', { channel: 'organic', profile: {} }).events,
        );
        expect(await new CustomerQueries(ds).getCustomer('c-1')).not.toBeNull();
      });
    });

    describe('projector and queries', () => {
      let projector: CustomerReadModelProjector;
      let queries: CustomerQueries;

      beforeEach(async () => {
        await ds.runMigrations();
        projector = new CustomerReadModelProjector(ds);
        queries = new CustomerQueries(ds);
      });

      it('applies every event type, incrementally', async () => {
        const s = stream('c-1')
          .add(
            'CustomerAcquired',
            {
              channel: 'referral',
              campaign: 'spring-26',
              referredBy: 'c-7',
              profile: {
                name: 'Ada',
                email: 'ada@example.test',
                phone: '+39 06 0000',
                country: 'IT',
                city: 'Rome',
                birthYear: 1988,
                gender: 'f',
                incomeBand: '50-60k',
              },
              attributes: { plan: 'gold', vip: true, score: 3 },
              consents: [{ channel: 'sms', purpose: 'survey' }],
            },
            '2026-01-05T09:00:00Z',
          )
          .add(
            'CustomerContacted',
            {
              channel: 'email',
              direction: 'outbound',
              purpose: 'marketing',
              cost: { minor: 120, currency: 'EUR' },
            },
            '2026-01-06T09:00:00.000Z',
          )
          .add(
            'CustomerPurchased',
            { orderId: 'o-1', amount: { minor: 2599, currency: 'EUR' } },
            '2026-01-10T12:00:00Z',
          )
          .add(
            'CustomerContacted',
            { channel: 'phone', direction: 'inbound', purpose: 'support' },
            '2026-01-04T08:00:00Z',
          )
          .add(
            'CustomerPurchased',
            { orderId: 'o-2', amount: { minor: 1000, currency: 'USD' } },
            '2026-01-12T12:00:00Z',
          )
          .add('CustomerReferred', { referredCustomerId: 'c-2', channel: 'link' }, '2026-01-13T12:00:00Z')
          .add('CustomerChurned', { reason: 'price', voluntary: true }, '2026-02-01T00:00:00Z')
          .add(
            'CustomerReactivated',
            { triggeredBy: 'c-1-e8', churnedAt: '2026-02-01T00:00:00.000Z' },
            '2026-03-01T00:00:00Z',
          )
          .add(
            'CustomerPurchased',
            { orderId: 'o-3', amount: { minor: 401, currency: 'EUR' } },
            '2026-03-01T00:00:00Z',
          )
          .add(
            'CustomerFeedbackGiven',
            { metric: 'nps', score: 9, channel: 'email', surveyId: 's-1' },
            '2026-03-02T00:00:00Z',
          )
          .add(
            'CustomerFeedbackGiven',
            { metric: 'csat', score: 4, channel: 'web', surveyId: 's-2' },
            '2026-03-03T00:00:00Z',
          )
          .add(
            'CustomerComplaintOpened',
            { complaintId: 'k-1', category: 'delivery', severity: 'high', channel: 'phone', orderId: 'o-3' },
            '2026-03-04T00:00:00Z',
          )
          .add(
            'CustomerComplaintOpened',
            { complaintId: 'k-2', category: 'billing', severity: 'low', channel: 'email' },
            '2026-03-05T00:00:00Z',
          )
          .add(
            'CustomerComplaintResolved',
            {
              complaintId: 'k-1',
              resolution: 'refund',
              compensation: { minor: 500, currency: 'EUR' },
              accepted: true,
            },
            '2026-03-06T00:00:00Z',
          )
          .add(
            'CustomerConsentGranted',
            { channel: 'email', purpose: 'marketing', source: 'preference-centre' },
            '2026-03-07T00:00:00Z',
          )
          .add('CustomerConsentWithdrawn', { channel: 'email', purpose: 'marketing' }, '2026-03-08T00:00:00Z')
          .add(
            'CustomerPreferencesSet',
            { preferredChannel: 'email', language: 'it', contactFrequency: 'monthly', categories: ['books'] },
            '2026-03-09T00:00:00Z',
          );

        const stages: string[] = [];
        for (const event of s.events) {
          await projector.apply([event]);
          stages.push((await queries.getCustomer('c-1'))!.stage);
        }
        expect(stages).toEqual([
          'acquired',
          'acquired',
          'active',
          'active',
          'active',
          'active',
          'churned',
          'active',
          ...Array<string>(9).fill('active'),
        ]);

        const view = await queries.getCustomer('c-1');
        expect(view).toEqual({
          customerId: 'c-1',
          stage: 'active',
          profile: {
            name: 'Ada',
            email: 'ada@example.test',
            phone: '+39 06 0000',
            country: 'IT',
            city: 'Rome',
            birthYear: 1988,
            gender: 'f',
            incomeBand: '50-60k',
          },
          attributes: { plan: 'gold', vip: true, score: 3 },
          acquisitionChannel: 'referral',
          acquisitionCampaign: 'spring-26',
          referredBy: 'c-7',
          acquiredAt: '2026-01-05T09:00:00.000Z',
          churnedAt: '2026-02-01T00:00:00.000Z',
          churnReason: 'price',
          reactivatedCount: 1,
          erased: false,
          erasedAt: null,
          contactsCount: 2,
          firstContactAt: '2026-01-04T08:00:00.000Z',
          lastContactAt: '2026-01-06T09:00:00.000Z',
          purchasesCount: 3,
          firstPurchaseAt: '2026-01-10T12:00:00.000Z',
          lastPurchaseAt: '2026-03-01T00:00:00.000Z',
          spend: [
            { currency: 'EUR', totalMinor: 3000, purchases: 2 },
            { currency: 'USD', totalMinor: 1000, purchases: 1 },
          ],
          referralsMade: 1,
          nps: {
            score: 9,
            class: 'promoter',
            surveyId: 's-1',
            channel: 'email',
            at: '2026-03-02T00:00:00.000Z',
          },
          csat: { score: 4, surveyId: 's-2', channel: 'web', at: '2026-03-03T00:00:00.000Z' },
          complaints: {
            opened: 2,
            resolved: 1,
            open: [
              {
                complaintId: 'k-2',
                category: 'billing',
                severity: 'low',
                channel: 'email',
                orderId: null,
                openedAt: '2026-03-05T00:00:00.000Z',
              },
            ],
          },
          consents: [
            {
              channel: 'email',
              purpose: 'marketing',
              status: 'withdrawn',
              at: '2026-03-08T00:00:00.000Z',
              source: null,
            },
            {
              channel: 'sms',
              purpose: 'survey',
              status: 'granted',
              at: '2026-01-05T09:00:00.000Z',
              source: 'acquisition',
            },
          ],
          preferences: {
            preferredChannel: 'email',
            language: 'it',
            contactFrequency: 'monthly',
            categories: ['books'],
            updatedAt: '2026-03-09T00:00:00.000Z',
          },
          costToServe: [{ currency: 'EUR', totalMinor: 120, count: 1 }],
          compensation: [{ currency: 'EUR', totalMinor: 500, count: 1 }],
          streamRevision: 16,
          lastGlobalPosition: '17',
          updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          scores: null,
          freshness: {
            events: {
              streamRevision: 16,
              lastGlobalPosition: '17',
              projectionPosition: null,
              updatedAt: view!.updatedAt,
            },
            scores: null,
          },
        });
        const { updatedAt: _updatedAt, scores: _s, freshness: _f, ...summary } = view!;
        expect(summary).toEqual(foldCustomerSummary(s.events));
        expect(await queries.getCustomer('nobody')).toBeNull();
      });

      it('erases the personal fields and keeps the counts, like the fold', async () => {
        const s = stream('c-e')
          .add('CustomerAcquired', {
            channel: 'organic',
            profile: { name: 'Ed', email: 'ed@example.test', phone: '+1', city: 'Oslo', country: 'NO' },
          })
          .add('CustomerPurchased', { orderId: 'o-1', amount: { minor: 700, currency: 'EUR' } })
          .add(
            'CustomerPersonalDataErased',
            { fields: ['name', 'email', 'phone', 'city'] },
            '2026-05-01T00:00:00Z',
          )
          .add('CustomerPurchased', { orderId: 'o-2', amount: { minor: 300, currency: 'EUR' } });
        await projector.apply(s.events);
        const {
          updatedAt: _updatedAt,
          scores: _s,
          freshness: _f,
          ...summary
        } = (await queries.getCustomer('c-e'))!;
        expect(summary).toEqual(foldCustomerSummary(s.events));
        expect(summary).toMatchObject({
          erased: true,
          erasedAt: '2026-05-01T00:00:00.000Z',
          profile: { name: null, email: null, phone: null, city: null, country: 'NO' },
          purchasesCount: 2,
          spend: [{ currency: 'EUR', totalMinor: 1000, purchases: 2 }],
          stage: 'active',
        });
      });

      it('ignores unknown event types but advances the revision, and skips other categories', async () => {
        const s = stream('c-1')
          .add('CustomerAcquired', { channel: 'organic', profile: { name: 'Bo' } })
          .add('CustomerNoteAdded', { note: 'a newer publisher' })
          .add('CustomerContacted', { channel: 'sms', direction: 'outbound', purpose: 'sales' });
        const foreign = { ...s.events[0], streamId: 'order-9', globalPosition: 50n, eventId: 'x' };
        const result = await projector.apply([...s.events, foreign], { projection: P });
        expect(result).toEqual({ applied: 3, skipped: 1, position: 50n });
        const view = await queries.getCustomer('c-1');
        expect(view).toMatchObject({ streamRevision: 2, contactsCount: 1, lastGlobalPosition: '3' });
        expect(await queries.getCustomer('order-9')).toBeNull();
        expect(await ds.getRepository(CustomerEntity).count()).toBe(1);
      });

      it('keeps the scoring job values per customer, one model per row, and shows them with their freshness', async () => {
        await projector.apply(
          [
            ...stream('c-1').add('CustomerAcquired', { channel: 'organic', profile: {} }).events,
            ...stream('c-2', 5n).add('CustomerAcquired', { channel: 'organic', profile: {} }).events,
          ],
          { projection: P },
        );
        const scores = new CustomerScoresRepository(ds);
        const row = (customerId: string, modelId: string, clv: number): CustomerScoreRow => ({
          customerId,
          modelId,
          cutoff: '2026-03-31',
          currency: 'EUR',
          predictedClvMinor: clv,
          pAlive: 0.8125,
          rfmSegment: 'Champions',
          portfolioPotential: 'high',
          portfolioLoyalty: 'high',
          portfolioAction: 'acquire more like them',
          scoredAt: '2026-04-01T00:00:00.000Z',
        });
        await scores.write([row('c-1', 'm-1', 12_345.6), row('c-2', 'm-1', 10)]);
        expect(await queries.getCustomer('c-1')).toMatchObject({
          scores: {
            modelId: 'm-1',
            cutoff: '2026-03-31',
            currency: 'EUR',
            predictedClvMinor: 12_346,
            pAlive: 0.8125,
            rfmSegment: 'Champions',
            portfolio: { potential: 'high', loyalty: 'high', action: 'acquire more like them' },
            scoredAt: '2026-04-01T00:00:00.000Z',
          },
          freshness: {
            events: { streamRevision: 0, lastGlobalPosition: '1', projectionPosition: '5' },
            scores: { modelId: 'm-1', cutoff: '2026-03-31', scoredAt: '2026-04-01T00:00:00.000Z' },
          },
        });
        // The next model replaces a row whole; customers it does not score lose the old model's values.
        await scores.write([
          { ...row('c-1', 'm-2', 99), rfmSegment: null, portfolioLoyalty: 'low', portfolioAction: 'retain' },
        ]);
        expect(await scores.retainOnly('m-2')).toBe(1);
        expect(await scores.count()).toBe(1);
        expect((await queries.getCustomer('c-1'))?.scores).toMatchObject({
          modelId: 'm-2',
          predictedClvMinor: 99,
          rfmSegment: null,
          portfolio: { potential: 'high', loyalty: 'low', action: 'retain' },
        });
        expect((await queries.getCustomer('c-2'))?.scores).toBeNull();
        expect((await queries.getCustomer('c-2'))?.freshness.scores).toBeNull();
      });

      it('ignores campaign streams (marketing spend): no row, the checkpoint still moves past them', async () => {
        const s = stream('c-1')
          .add('CustomerAcquired', { channel: 'paid_social', campaign: 'spring-26', profile: {} })
          .add('CustomerPurchased', { orderId: 'o-1', amount: { minor: 900, currency: 'EUR' } });
        const spend = {
          ...s.events[0],
          streamId: campaignStreamId('spring-26'),
          streamRevision: 0,
          globalPosition: 70n,
          eventId: 'spend-1',
          type: 'MarketingSpendRecorded',
          data: SPRING_SPEND,
        };
        expect(isCampaignStream(spend.streamId)).toBe(true);
        const before = await snapshot(ds);
        expect(await projector.apply([spend], { projection: P })).toEqual({
          applied: 0,
          skipped: 1,
          position: 70n,
        });
        expect((await snapshot(ds)).customers).toEqual(before.customers);
        await projector.apply([s.events[0], { ...spend, globalPosition: 71n }, s.events[1]], {
          projection: P,
        });
        expect(await ds.getRepository(CustomerEntity).count()).toBe(1);
        expect(await queries.getCustomer('spring-26')).toBeNull();
        const { updatedAt: _u, scores: _s, freshness, ...view } = (await queries.getCustomer('c-1'))!;
        expect(view).toEqual(foldCustomerSummary(s.events));
        expect(freshness.events.projectionPosition).toBe('71');
      });

      it('agrees with the fold on streams the decider would not write (imports, future rules)', async () => {
        const contact = { channel: 'sms', direction: 'outbound', purpose: 'sales' };
        const buy = (minor: number) => ({ orderId: `o-${minor}`, amount: { minor, currency: 'EUR' } });
        const streams = new Map([
          [
            'c-x',
            stream('c-x', 1n)
              .add('CustomerContacted', contact) // before the acquisition
              .add('CustomerAcquired', { channel: 'partner', profile: { country: 'DE' } })
              .add('CustomerChurned', { reason: 'moved', voluntary: false })
              .add('CustomerPurchased', buy(0)) // while churned, no reactivation: stays churned
              .add('CustomerReactivated', { triggeredBy: 'x', churnedAt: '2026-03-01T10:00:00Z' }).events,
          ],
          [
            'c-y',
            stream('c-y', 10n)
              .add('CustomerAcquired', { channel: 'organic', profile: {} })
              .add('CustomerChurned', { reason: 'price', voluntary: true })
              .add('CustomerReactivated', { triggeredBy: 'y', churnedAt: '2026-02-01T10:00:00Z' }).events,
          ],
          ['c-z', stream('c-z', 20n).add('CustomerNoteAdded', { note: 'only a future event type' }).events],
        ]);
        await projector.apply([...streams.values()].flat());
        const expected = foldAll(streams);
        expect(await readModelSummaries(ds)).toEqual(expected);
        expect([...expected.values()].map((s) => s.stage)).toEqual(['active', 'acquired', 'acquired']);
      });

      it('changes nothing when a batch is redelivered, whole or overlapping', async () => {
        const { events, streams } = generateCustomerHistory({ customers: 25, seed: 7 });
        const first = await projector.apply(events, { projection: P });
        const before = await snapshot(ds);
        const again = await projector.apply(events, { projection: P });
        expect(again).toMatchObject({ applied: 0, skipped: events.length });
        expect(await snapshot(ds)).toEqual(before);
        expect(first.applied).toBe(events.length);

        // A consumer that restarts mid-way sees overlapping windows.
        const overlapping = await engine.create();
        await overlapping.initialize();
        try {
          await overlapping.runMigrations();
          const p2 = new CustomerReadModelProjector(overlapping);
          const third = Math.floor(events.length / 3);
          await p2.apply(events.slice(0, 2 * third), { projection: P });
          await p2.apply(events.slice(third, events.length), { projection: P });
          await p2.apply(events.slice(third, 2 * third + 5), { projection: P });
          expect(await readModelSummaries(overlapping)).toEqual(foldAll(streams));
        } finally {
          await engine.dispose(overlapping);
        }
      });

      it('rolls back rows and checkpoint together when the batch fails after writing', async () => {
        const { events } = generateCustomerHistory({ customers: 20, seed: 11 });
        const half = Math.floor(events.length / 2);
        await projector.apply(events.slice(0, half), {
          projection: P,
          offsets: [{ topic: 't', partition: 0, offset: '5' }],
        });
        const before = await snapshot(ds);
        await expect(
          new FailingProjector(ds).apply(events.slice(half), {
            projection: P,
            offsets: [{ topic: 't', partition: 0, offset: '9' }],
          }),
        ).rejects.toThrow('boom');
        expect(await snapshot(ds)).toEqual(before);
        expect(await projector.getOffsets(P, 't')).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
        // …and the retry of the same batch lands normally.
        await projector.apply(events.slice(half), { projection: P });
        expect((await projector.getCheckpoint(P))?.position).toBe(events[events.length - 1].globalPosition);
      });

      it('folds several events of one customer and redelivered ones in a batch, writing each customer once', async () => {
        const a = stream('c-a')
          .add('CustomerAcquired', { channel: 'organic', profile: { name: 'A' } }, '2026-01-01T00:00:00Z')
          .add('CustomerPurchased', { orderId: 'o-1', amount: { minor: 100, currency: 'EUR' } })
          .add('CustomerPurchased', { orderId: 'o-2', amount: { minor: 250, currency: 'EUR' } })
          .add('CustomerContacted', { channel: 'sms', direction: 'outbound', purpose: 'sales' });
        const b = stream('c-b', 100n)
          .add('CustomerAcquired', { channel: 'paid_search', profile: {} })
          .add('CustomerPurchased', { orderId: 'o-3', amount: { minor: 5, currency: 'USD' } });
        await projector.apply([a.events[0]], { projection: P });
        const [a0, a1, a2, a3] = a.events;
        const [b0, b1] = b.events;

        logger.counting = true;
        // a0 was applied by the batch before; a1 comes twice within this one (a redelivery mid-batch).
        const result = await projector.apply([a1, b0, a2, a0, b1, a1, a3], { projection: P });
        logger.counting = false;

        expect(result).toMatchObject({ applied: 5, skipped: 2, position: b1.globalPosition }); // the highest
        const writes = (table: string) =>
          logger.statements.filter((q) => new RegExp(`^INSERT INTO ("[^"]+"\\.)?"${table}"`).test(q));
        expect(writes('customers')).toHaveLength(2); // one INSERT for c-b, one upsert for c-a
        expect(writes('customer_spend')).toHaveLength(1);
        expect(await readModelSummaries(ds)).toEqual(
          foldAll(
            new Map([
              ['c-a', a.events],
              ['c-b', b.events],
            ]),
          ),
        );
        expect(await queries.getCustomer('c-a')).toMatchObject({
          purchasesCount: 2,
          contactsCount: 1,
          streamRevision: 3,
          spend: [{ currency: 'EUR', totalMinor: 350, purchases: 2 }],
        });

        // The whole batch again, and then in pieces: nothing moves.
        const before = await snapshot(ds);
        expect(await projector.apply([a1, b0, a2, a0, b1, a1, a3], { projection: P })).toMatchObject({
          applied: 0,
        });
        expect(await projector.apply([b1, a3], { projection: P })).toMatchObject({ applied: 0 });
        expect(await snapshot(ds)).toEqual(before);
      });

      it('leaves rows and checkpoint as they were after a crash between the two, and the retry is exact', async () => {
        const { events, streams } = generateCustomerHistory({ customers: 20, seed: 13 });
        const half = Math.floor(events.length / 2);
        await projector.apply(events.slice(0, half), {
          projection: P,
          offsets: [{ topic: 't', partition: 0, offset: String(half) }],
        });
        const before = await snapshot(ds);
        await expect(
          new CrashBeforeCheckpointProjector(ds).apply(events.slice(half), {
            projection: P,
            offsets: [{ topic: 't', partition: 0, offset: String(events.length) }],
          }),
        ).rejects.toThrow('crash between the rows and the checkpoint');
        expect(await snapshot(ds)).toEqual(before);

        // The consumer redelivers from the stored offset: an overlapping window, then the rest.
        await projector.apply(events.slice(half - 5), {
          projection: P,
          offsets: [{ topic: 't', partition: 0, offset: String(events.length) }],
        });
        expect(await readModelSummaries(ds)).toEqual(foldAll(streams));
        expect((await projector.getCheckpoint(P))?.position).toBe(events[events.length - 1].globalPosition);
        expect(await projector.getOffsets(P, 't')).toEqual([
          { topic: 't', partition: 0, offset: String(events.length) },
        ]);
      });

      it('refuses a batch with a revision gap or a malformed event, and writes none of it', async () => {
        const s = stream('c-1')
          .add('CustomerAcquired', { channel: 'organic', profile: {} })
          .add('CustomerContacted', { channel: 'sms', direction: 'outbound', purpose: 'sales' })
          .add('CustomerContacted', { channel: 'sms', direction: 'outbound', purpose: 'sales' });
        const other = stream('c-2', 10n).add('CustomerAcquired', { channel: 'organic', profile: {} });
        await projector.apply([s.events[0]], { projection: P });
        const before = await snapshot(ds);
        await expect(
          projector.apply([...other.events, s.events[2]], { projection: P }),
        ).rejects.toBeInstanceOf(StreamGapError);
        const bad = stream('c-3', 20n)
          .add('CustomerAcquired', { channel: 'organic', profile: {} })
          .add('CustomerPurchased', {
            orderId: 'o',
            amount: { minor: 1.5, currency: 'EUR' },
          });
        await expect(projector.apply(bad.events, { projection: P })).rejects.toBeInstanceOf(
          MalformedEventError,
        );
        expect(await snapshot(ds)).toEqual(before);
        // Opt-in for projections that knowingly start mid-stream.
        await new CustomerReadModelProjector(ds, { allowGaps: true }).apply([s.events[2]]);
        expect(await queries.getCustomer('c-1')).toMatchObject({ streamRevision: 2, contactsCount: 1 });
      });

      it('keeps checkpoints and partition offsets monotonic, per projection and topic', async () => {
        expect(await projector.getCheckpoint(P)).toBeNull();
        await projector.apply(
          stream('c-1', 41n).add('CustomerAcquired', { channel: 'organic', profile: {} }).events,
        );
        expect(await projector.getCheckpoint(P)).toBeNull(); // no checkpoint asked for, none written
        await projector.apply([], { projection: P, position: 99_999_999_999_999_999_999n });
        await projector.apply([], { projection: P, position: 100_000_000_000_000_000_000n }); // > 2^64
        await projector.apply([], { projection: P, position: 5n });
        expect((await projector.getCheckpoint(P))?.position).toBe(100_000_000_000_000_000_000n);
        expect(await projector.getCheckpoint('other')).toBeNull();

        const offsets = (p0: string, p1: string) => [
          { topic: 'customer-events', partition: 0, offset: p0 },
          { topic: 'customer-events', partition: 1, offset: p1 },
        ];
        await projector.apply([], { projection: P, offsets: offsets('10', '7') });
        await projector.apply([], { projection: P, offsets: offsets('9', '12') });
        await projector.apply([], {
          projection: P,
          offsets: [{ topic: 'other-topic', partition: 0, offset: '3' }],
        });
        expect(await projector.getOffsets(P, 'customer-events')).toEqual(offsets('10', '12'));
        expect(await projector.getOffsets(P, 'other-topic')).toEqual([
          { topic: 'other-topic', partition: 0, offset: '3' },
        ]);
        expect(await projector.getOffsets('other', 'customer-events')).toEqual([]);
      });

      it('equals the reference fold for every customer of a generated history', async () => {
        const { events, streams } = generateCustomerHistory({ customers: 60, seed: 3 });
        await applyInBatches(projector, events, 37);
        const expected = foldAll(streams);
        expect(await readModelSummaries(ds)).toEqual(expected);
        for (const [id, summary] of expected) {
          const { updatedAt: _u, scores: _s, freshness: _f, ...view } = (await queries.getCustomer(id))!;
          expect(view).toEqual(summary);
        }
        const last = events[events.length - 1].globalPosition;
        expect((await projector.getCheckpoint(P))?.position).toBe(last);
        // The generator is meant to cover every branch: make sure it did.
        const types = new Set(events.map((e) => e.type));
        expect([...types].sort()).toEqual([
          'CustomerAcquired',
          'CustomerChurned',
          'CustomerContacted',
          'CustomerNoteAdded',
          'CustomerPurchased',
          'CustomerReactivated',
          'CustomerReferred',
        ]);
      });

      it('writes a 500-event batch in a handful of statements', async () => {
        const { events, streams } = generateCustomerHistory({ customers: 80, seed: 5 });
        const batch = events.slice(0, 500);
        logger.counting = true;
        await projector.apply(batch, {
          projection: P,
          offsets: [{ topic: 't', partition: 0, offset: '500' }],
        });
        logger.counting = false;
        expect(batch.length).toBe(500);
        // begin, load rows, load spend, insert, (upsert), spend upsert, checkpoint, offset, commit
        expect(logger.statements.length).toBeLessThanOrEqual(12);
        await projector.apply(events.slice(500), { projection: P });
        expect(await readModelSummaries(ds)).toEqual(foldAll(streams));
      });

      it('tells the position the projection reached (read-your-writes)', async () => {
        expect(await queries.getProjectionPosition(P)).toBeUndefined();
        const s = stream('c-1', 7n).add('CustomerAcquired', { channel: 'organic', profile: {} });
        await projector.apply(s.events, { projection: P });
        expect(await queries.getProjectionPosition(P)).toBe(7n);
        expect(await queries.waitForProjectionPosition(P, 7n)).toBe(true);
        expect(await queries.waitForProjectionPosition(P, 8n, { timeoutMs: 30, intervalMs: 5 })).toBe(false);
      });

      describe('listing', () => {
        let expected: CustomerSummary[];
        beforeEach(async () => {
          const { events, streams } = generateCustomerHistory({ customers: 60, seed: 9 });
          await applyInBatches(projector, events, 100);
          expected = [...foldAll(streams).values()];
        });

        const sortKey = (s: CustomerSummary, sort: CustomerSort, currency: string): string | bigint =>
          sort === 'acquiredAt'
            ? (s.acquiredAt ?? '')
            : sort === 'lastPurchase'
              ? (s.lastPurchaseAt ?? '')
              : BigInt(s.spend.find((x) => x.currency === currency)?.totalMinor ?? 0);

        function expectedIds(q: ListCustomersQuery): string[] {
          const sort = q.sort ?? 'acquiredAt';
          const currency = q.currency ?? 'EUR';
          const sign = (q.order ?? 'desc') === 'asc' ? 1 : -1;
          return expected
            .filter(
              (s) =>
                (q.stage === undefined || s.stage === q.stage) &&
                (q.country === undefined || s.profile.country === q.country),
            )
            .filter(
              (s) => q.acquisitionChannel === undefined || s.acquisitionChannel === q.acquisitionChannel,
            )
            .sort((a, b) => {
              const ka = sortKey(a, sort, currency);
              const kb = sortKey(b, sort, currency);
              if (ka !== kb) return ka < kb ? -sign : sign;
              return a.customerId < b.customerId ? -sign : sign;
            })
            .map((s) => s.customerId);
        }

        async function allPages(q: ListCustomersQuery): Promise<{ ids: string[]; pages: number }> {
          const ids: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await queries.listCustomers({ ...q, cursor });
            ids.push(...page.items.map((i) => i.customerId));
            cursor = page.nextCursor ?? undefined;
            pages += 1;
          } while (cursor && pages < 100);
          return { ids, pages };
        }

        it('pages through every filter, sort and order without duplicates or skips', async () => {
          const filters: ListCustomersQuery[] = [
            {},
            { stage: 'active' },
            { stage: 'churned' },
            { country: 'IT' },
            { acquisitionChannel: 'referral', stage: 'active' },
          ];
          for (const filter of filters) {
            for (const sort of ['acquiredAt', 'lastPurchase', 'spend'] as const) {
              for (const order of ['asc', 'desc'] as const) {
                const q = { ...filter, sort, order, limit: 7 };
                const want = expectedIds(q);
                const { ids, pages } = await allPages(q);
                expect({ q, ids }).toEqual({ q, ids: want });
                expect(pages).toBe(Math.max(1, Math.ceil(want.length / 7)));
              }
            }
          }
          const usd = { sort: 'spend' as const, currency: 'USD', order: 'desc' as const, limit: 5 };
          expect((await allPages(usd)).ids).toEqual(expectedIds(usd));
          expect(expectedIds({ stage: 'churned' }).length).toBeGreaterThan(0);
        });

        it('returns list items built from the same facts as Customer 360', async () => {
          const page = await queries.listCustomers({
            sort: 'spend',
            currency: 'EUR',
            order: 'desc',
            limit: 3,
          });
          expect(page.items).toHaveLength(3);
          for (const item of page.items) {
            const s = expected.find((e) => e.customerId === item.customerId)!;
            const eur = s.spend.find((x) => x.currency === 'EUR') ?? {
              currency: 'EUR',
              totalMinor: 0,
              purchases: 0,
            };
            expect(item).toEqual({
              customerId: s.customerId,
              name: s.profile.name,
              email: s.profile.email,
              country: s.profile.country,
              city: s.profile.city,
              stage: s.stage,
              acquisitionChannel: s.acquisitionChannel,
              acquisitionCampaign: s.acquisitionCampaign,
              acquiredAt: s.acquiredAt,
              lastPurchaseAt: s.lastPurchaseAt,
              purchasesCount: s.purchasesCount,
              contactsCount: s.contactsCount,
              spend: eur,
            });
          }
        });

        it('rejects bad limits and cursors from another query', async () => {
          for (const limit of [0, 201, 1.5]) {
            await expect(queries.listCustomers({ limit })).rejects.toBeInstanceOf(InvalidListQueryError);
          }
          await expect(queries.listCustomers({ stage: 'gone' as never })).rejects.toBeInstanceOf(
            InvalidListQueryError,
          );
          const page = await queries.listCustomers({ sort: 'acquiredAt', limit: 2 });
          expect(page.nextCursor).not.toBeNull();
          const cursor = page.nextCursor!;
          await expect(queries.listCustomers({ sort: 'spend', limit: 2, cursor })).rejects.toBeInstanceOf(
            InvalidListQueryError,
          );
          await expect(
            queries.listCustomers({ sort: 'acquiredAt', limit: 2, cursor: 'garbage' }),
          ).rejects.toBeInstanceOf(InvalidListQueryError);
          expect((await queries.listCustomers({ sort: 'acquiredAt', limit: 200 })).nextCursor).toBeNull();
        });
      });
    });
  });
}
