import { isCurrencyCode } from '@crm/domain';
import type { DataSource } from 'typeorm';
import { CustomerViewReader } from './customer-view.reader';
import {
  CUSTOMER_STAGES,
  type CustomerStage,
  type CustomerView,
  type SpendTotal,
} from './customer-summary.types';
import { CustomerSpendEntity } from './entities/customer-spend.entity';
import { CustomerEntity } from './entities/customer.entity';
import { runExclusive } from './exclusive-access';
import { decodeCursor, encodeCursor } from './list-cursor';
import { readCheckpoint } from './projection-checkpoint.repository';
import { InvalidListQueryError } from './read-model.errors';

export const CUSTOMER_SORTS = ['acquiredAt', 'lastPurchase', 'spend'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];
export type SortOrder = 'asc' | 'desc';
export const MAX_LIST_LIMIT = 200;

export interface ListCustomersQuery {
  readonly stage?: CustomerStage;
  readonly country?: string;
  readonly acquisitionChannel?: string;
  /** Default `acquiredAt`. Customers without the sorted fact (no purchase, no spend) count as lowest. */
  readonly sort?: CustomerSort;
  /** Default `desc`. Ties are broken by customer id in the same direction. */
  readonly order?: SortOrder;
  /**
   * Currency of the `spend` sort and of each item's `spend` (default EUR). Spend is never summed across
   * currencies: without exchange rates that total would mean nothing.
   */
  readonly currency?: string;
  /** 1..200, default 50. */
  readonly limit?: number;
  /** `nextCursor` of the previous page, with the same other parameters. */
  readonly cursor?: string;
}

export interface CustomerListItem {
  readonly customerId: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly country: string | null;
  readonly city: string | null;
  readonly stage: CustomerStage;
  readonly acquisitionChannel: string | null;
  readonly acquisitionCampaign: string | null;
  readonly acquiredAt: string | null;
  readonly lastPurchaseAt: string | null;
  readonly purchasesCount: number;
  readonly contactsCount: number;
  /** Spend in the query's currency (zero when none). */
  readonly spend: SpendTotal;
}

export interface CustomerPage {
  readonly items: CustomerListItem[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

/** Sort keys as SQL both engines evaluate alike: NULL becomes the lowest value ('' sorts before any time). */
const SORT_KEY: Record<CustomerSort, string> = {
  acquiredAt: `COALESCE(c.acquired_at, '')`,
  lastPurchase: `COALESCE(c.last_purchase_at, '')`,
  spend: 'COALESCE(s.total_minor, 0)',
};
/** The cursor carries keys as text; spend must be compared as a number (SQLite ranks text above integers). */
const CURSOR_KEY: Record<CustomerSort, string> = {
  acquiredAt: ':cursorKey',
  lastPurchase: ':cursorKey',
  spend: 'CAST(:cursorKey AS BIGINT)',
};

/** Read side of the Customer 360 for the API. */
export class CustomerQueries {
  private readonly viewReader: CustomerViewReader;

  constructor(private readonly dataSource: DataSource) {
    this.viewReader = new CustomerViewReader(dataSource);
  }

  /**
   * Row (with its scores and the projection's checkpoint) and spend in one transaction, each read by primary
   * key: both from the same projection even when a rebuild swaps the tables between the two reads
   * (PostgreSQL: the swap's table lock waits for this transaction; SQLite: one WAL snapshot). On SQLite the
   * read runs at once on prepared statements when the connection is free, which is nearly always in the API
   * process (the projectors write in the worker part): no TypeORM transaction, no queueing.
   */
  getCustomer(customerId: string): Promise<CustomerView | null> {
    let now: CustomerView | null | undefined;
    try {
      now = this.viewReader.readNow(customerId);
    } catch (error) {
      return Promise.reject(error);
    }
    if (now !== undefined) return Promise.resolve(now);
    return runExclusive(this.dataSource, () =>
      this.dataSource.transaction((manager) => this.viewReader.read(manager, customerId)),
    );
  }

  /** Async so that invalid parameters reject the promise like every other failure. */
  async listCustomers(query: ListCustomersQuery = {}): Promise<CustomerPage> {
    const { stage, country, acquisitionChannel } = query;
    const sort = query.sort ?? 'acquiredAt';
    const order = query.order ?? 'desc';
    const currency = query.currency ?? 'EUR';
    const limit = query.limit ?? 50;
    if (!CUSTOMER_SORTS.includes(sort))
      throw new InvalidListQueryError('sort', `one of ${CUSTOMER_SORTS.join(', ')}`);
    if (order !== 'asc' && order !== 'desc') throw new InvalidListQueryError('order', 'asc or desc');
    if (!isCurrencyCode(currency)) throw new InvalidListQueryError('currency', 'an ISO 4217 code');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new InvalidListQueryError('limit', `an integer from 1 to ${MAX_LIST_LIMIT}`);
    }
    if (stage !== undefined && !CUSTOMER_STAGES.includes(stage)) {
      throw new InvalidListQueryError('stage', `one of ${CUSTOMER_STAGES.join(', ')}`);
    }
    const fingerprint = JSON.stringify([
      stage ?? null,
      country ?? null,
      acquisitionChannel ?? null,
      sort,
      order,
      currency,
    ]);
    const after = query.cursor === undefined ? undefined : decodeCursor(fingerprint, query.cursor);

    return runExclusive(this.dataSource, async () => {
      const key = SORT_KEY[sort];
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      const qb = this.dataSource
        .createQueryBuilder(CustomerEntity, 'c')
        .leftJoin(CustomerSpendEntity, 's', 's.customer_id = c.customer_id AND s.currency = :currency', {
          currency,
        })
        .select('c.customer_id', 'customerId')
        .addSelect('c.name', 'name')
        .addSelect('c.email', 'email')
        .addSelect('c.country', 'country')
        .addSelect('c.city', 'city')
        .addSelect('c.stage', 'stage')
        .addSelect('c.acquisition_channel', 'acquisitionChannel')
        .addSelect('c.acquisition_campaign', 'acquisitionCampaign')
        .addSelect('c.acquired_at', 'acquiredAt')
        .addSelect('c.last_purchase_at', 'lastPurchaseAt')
        .addSelect('c.purchases_count', 'purchasesCount')
        .addSelect('c.contacts_count', 'contactsCount')
        .addSelect('s.total_minor', 'spendTotalMinor')
        .addSelect('s.purchases', 'spendPurchases')
        .addSelect(key, 'sortKey');
      if (stage !== undefined) qb.andWhere('c.stage = :stage', { stage });
      if (country !== undefined) qb.andWhere('c.country = :country', { country });
      if (acquisitionChannel !== undefined)
        qb.andWhere('c.acquisition_channel = :channel', { channel: acquisitionChannel });
      if (after) {
        const cmp = order === 'asc' ? '>' : '<';
        const k = CURSOR_KEY[sort];
        qb.andWhere(`(${key} ${cmp} ${k} OR (${key} = ${k} AND c.customer_id ${cmp} :cursorId))`, {
          cursorKey: after.key,
          cursorId: after.customerId,
        });
      }
      const raw: Record<string, unknown>[] = await qb
        .orderBy(key, dir)
        .addOrderBy('c.customer_id', dir)
        .limit(limit + 1)
        .getRawMany();

      const page = raw.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => toListItem(r, currency)),
        nextCursor:
          raw.length > limit && last
            ? encodeCursor(fingerprint, { key: String(last.sortKey), customerId: String(last.customerId) })
            : null,
      };
    });
  }

  /**
   * Highest global position the projection has applied (read-your-writes waits for it), if any. Exact for a
   * single consumer; with several Kafka partitions consumed apart it is the highest any of them applied, so
   * for one customer's own write prefer comparing `getCustomer(id).streamRevision` with the appended revision.
   */
  getProjectionPosition(projection: string): Promise<bigint | undefined> {
    return runExclusive(
      this.dataSource,
      async () => (await readCheckpoint(this.dataSource, projection))?.position,
    );
  }

  /** Polls until the projection reached `minPosition`; false on timeout (the API then answers stale-but-fast). */
  async waitForProjectionPosition(
    projection: string,
    minPosition: bigint,
    { timeoutMs = 5_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const position = await this.getProjectionPosition(projection);
      if (position !== undefined && position >= minPosition) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

const nullableString = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toListItem(r: Record<string, unknown>, currency: string): CustomerListItem {
  return {
    customerId: String(r.customerId),
    name: nullableString(r.name),
    email: nullableString(r.email),
    country: nullableString(r.country),
    city: nullableString(r.city),
    stage: String(r.stage) as CustomerStage,
    acquisitionChannel: nullableString(r.acquisitionChannel),
    acquisitionCampaign: nullableString(r.acquisitionCampaign),
    acquiredAt: nullableString(r.acquiredAt),
    lastPurchaseAt: nullableString(r.lastPurchaseAt),
    purchasesCount: Number(r.purchasesCount),
    contactsCount: Number(r.contactsCount),
    spend: { currency, totalMinor: Number(r.spendTotalMinor ?? 0), purchases: Number(r.spendPurchases ?? 0) },
  };
}
