import {
  isSpend,
  type GeneratedRecord,
  type PublishedEvent,
  type PublishedSpendEvent,
} from '../published-event';
import type { EventSink } from './event-sink';

export interface HttpPublishOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000 (POST {baseUrl}/v1/events). */
  readonly baseUrl: string;
  /** Events per request, at most the API's MAX_BATCH_EVENTS. Default 1,000. */
  readonly batchSize?: number;
  /** Requests in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Retries of a request answered 503 or 429 (or not answered at all), after Retry-After. Default 5. */
  readonly maxRetries?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** For tests; default the global fetch. */
  readonly fetch?: typeof fetch;
}

interface Lane {
  buffer: PublishedEvent[];
  inFlight: Promise<void> | undefined;
}

/**
 * Publishes through `POST /v1/events` (marketing spend through `POST /v1/marketing/spend`) in batches, with `concurrency` requests in flight. Customers are
 * partitioned over lanes by a hash of their id and each lane sends its batches one after the other, so a
 * customer's events always arrive in order (a purchase never overtakes its customer's acquisition) while
 * lanes run in parallel. Retries are safe: event ids make the API idempotent.
 */
export class HttpPublishSink implements EventSink {
  /** Events the API accepted (201), decider-emitted reactivations not counted. */
  accepted = 0;
  requests = 0;
  retries = 0;
  private readonly lanes: Lane[];
  private readonly batchSize: number;
  private readonly url: string;
  private readonly spendUrl: string;
  /** Campaign spend, posted once the customers' events are (a few per campaign and month: small). */
  private readonly spends: PublishedSpendEvent[] = [];
  private readonly fetch: typeof fetch;
  private failure: unknown;

  constructor(private readonly options: HttpPublishOptions) {
    this.batchSize = options.batchSize ?? 1000;
    const concurrency = options.concurrency ?? 4;
    if (!(this.batchSize >= 1) || !(concurrency >= 1))
      throw new RangeError('batchSize and concurrency must be >= 1');
    this.lanes = Array.from({ length: concurrency }, () => ({ buffer: [], inFlight: undefined }));
    const base = options.baseUrl.replace(/\/+$/, '');
    this.url = `${base}/v1/events`;
    this.spendUrl = `${base}/v1/marketing/spend`;
    this.fetch = options.fetch ?? fetch;
  }

  write(event: GeneratedRecord): void | Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (isSpend(event)) {
      this.spends.push(event.published);
      return;
    }
    const lane = this.lanes[laneOf(event.published.customerId, this.lanes.length)];
    lane.buffer.push(event.published);
    if (lane.buffer.length >= this.batchSize) return this.dispatch(lane);
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) if (lane.buffer.length > 0) await this.dispatch(lane);
    for (const spend of this.spends.splice(0)) await this.postSpend(spend);
    await Promise.all(this.lanes.map((lane) => lane.inFlight));
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for the lane's previous request (one in flight per lane), then sends the buffer. */
  private async dispatch(lane: Lane): Promise<void> {
    const batch = lane.buffer;
    lane.buffer = [];
    if (lane.inFlight) await lane.inFlight;
    if (this.failure !== undefined) throw this.failure;
    lane.inFlight = this.post(batch).catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  private post(batch: readonly PublishedEvent[]): Promise<void> {
    const what = `${batch.length} events, first ${batch[0].eventId}`;
    return this.send(this.url, JSON.stringify({ events: batch }), batch.length, what);
  }

  /**
   * A campaign's spend: `POST /v1/marketing/spend`, one per request, in turn on the campaign's lane (so the
   * requests in flight stay at most `concurrency`).
   */
  private async postSpend(spend: PublishedSpendEvent): Promise<void> {
    const lane = this.lanes[laneOf(spend.data.campaign, this.lanes.length)];
    if (lane.inFlight) await lane.inFlight;
    if (this.failure !== undefined) throw this.failure;
    const { type: _type, ...body } = spend;
    lane.inFlight = this.send(this.spendUrl, JSON.stringify(body), 1, `spend ${spend.eventId}`).catch(
      (error: unknown) => {
        this.failure ??= error;
      },
    );
  }

  private async send(url: string, body: string, events: number, what: string): Promise<void> {
    const maxRetries = this.options.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      let networkError: unknown;
      try {
        this.requests++;
        response = await this.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.options.headers },
          body,
        });
      } catch (error) {
        networkError = error;
      }
      const text = response ? await response.text() : '';
      if (response && (response.status === 200 || response.status === 201)) {
        this.accepted += events;
        return;
      }
      const retryable = networkError !== undefined || response?.status === 503 || response?.status === 429;
      if (!retryable || attempt >= maxRetries) {
        const why = response ? `HTTP ${response.status}: ${text.slice(0, 1000)}` : String(networkError);
        throw new Error(`POST ${url} (${what}) failed: ${why}`);
      }
      this.retries++;
      const retryAfter = Number(response?.headers.get('retry-after'));
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 100 * 2 ** attempt);
    }
  }
}

/** FNV-1a of the customer id, modulo the number of lanes. */
export function laneOf(customerId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) hash = Math.imul(hash ^ customerId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
