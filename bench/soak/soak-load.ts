import { laneOf, publishedEvents, type PublishedEvent } from '@crm/generator';
import { performance } from 'node:perf_hooks';
import type { LatencyRecorder, RequestKind } from './latency.recorder';
import type { SoakOptions } from './soak.options';

/**
 * The mixed load at a fixed offered rate. Each driver runs on a timer and sends what is due at that moment
 * (open loop: a slow answer does not lower the offered rate), but every queue and the number of requests in
 * flight are capped, so a server that falls behind makes the soak report a backlog instead of piling up
 * memory in the client.
 */
export interface LoadCounters {
  eventsOffered: number;
  eventsAccepted: number;
  eventsRejected: number;
  /** Write batches not sent because their lane's queue was full (the server was behind). */
  batchesShed: number;
  /** Reads not sent because too many were in flight. */
  readsShed: number;
  /** The same two after the warm-up (first half): what the verdict looks at. */
  batchesShedAfterWarmup: number;
  readsShedAfterWarmup: number;
  /** Customer 360 answers 404 (the read model had not projected the customer yet). */
  reads404: number;
  generatorExhausted: boolean;
}

const MAX_LANE_QUEUE = 200;
const MAX_READS_IN_FLIGHT = 256;
const TICK_MS = 50;

export class SoakLoad {
  readonly counters: LoadCounters = {
    eventsOffered: 0,
    eventsAccepted: 0,
    eventsRejected: 0,
    batchesShed: 0,
    readsShed: 0,
    batchesShedAfterWarmup: 0,
    readsShedAfterWarmup: 0,
    reads404: 0,
    generatorExhausted: false,
  };
  private readonly events: Iterator<PublishedEvent>;
  private readonly laneQueues: string[][];
  private readonly laneBusy: boolean[];
  private readonly pendingBatch: PublishedEvent[][];
  /** Customers whose acquisition the API accepted: the pool Customer 360 reads pick from. */
  private readonly knownCustomers: string[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readsInFlight = 0;
  private startedAt = 0;
  private writesDue = 0;
  private readsDue = 0;
  private readCursor = 0;

  constructor(
    private readonly options: SoakOptions,
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly recorder: LatencyRecorder,
  ) {
    // ~10 events per generated customer; the margin keeps the generator from running dry before the end.
    const customers = Math.ceil((options.writeRate * options.minutes * 60) / 6) + 1_000;
    this.events = publishedEvents({ customers, seed: options.seed })[Symbol.iterator]();
    this.laneQueues = Array.from({ length: options.lanes }, () => []);
    this.laneBusy = Array.from({ length: options.lanes }, () => false);
    this.pendingBatch = Array.from({ length: options.lanes }, () => []);
  }

  start(): void {
    this.startedAt = performance.now();
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    const analytics = () => {
      this.track(this.get('rfm', '/v1/analytics/rfm?currency=EUR'));
      this.track(this.get('ltv', '/v1/analytics/ltv?currency=EUR'));
    };
    this.timers.push(setInterval(analytics, this.options.analyticsEverySeconds * 1000));
  }

  /** Stops offering load and waits (bounded) for what is in flight and queued. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.flushPending();
    const deadline = Date.now() + 60_000;
    while ((this.inFlight.size > 0 || this.laneQueues.some((q) => q.length > 0)) && Date.now() < deadline) {
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 500))]);
    }
  }

  private tick(): void {
    const elapsedS = (performance.now() - this.startedAt) / 1000;
    // Due counts follow the clock, so timer jitter does not change the offered rate.
    const writesTarget = Math.floor(elapsedS * this.options.writeRate);
    while (this.writesDue < writesTarget && !this.counters.generatorExhausted) {
      const next = this.events.next();
      if (next.done) {
        this.counters.generatorExhausted = true;
        break;
      }
      this.writesDue++;
      this.offer(next.value);
    }
    const readsTarget = Math.floor(elapsedS * this.options.readRate);
    while (this.readsDue < readsTarget) {
      this.readsDue++;
      this.read();
    }
  }

  private warm(): boolean {
    return performance.now() - this.startedAt >= (this.options.minutes * 60_000) / 2;
  }

  private offer(event: PublishedEvent): void {
    this.counters.eventsOffered++;
    const lane = laneOf(event.customerId, this.options.lanes);
    const batch = this.pendingBatch[lane];
    batch.push(event);
    if (batch.length >= this.options.batchSize) {
      this.enqueue(lane);
    }
  }

  private flushPending(): void {
    for (let lane = 0; lane < this.options.lanes; lane++)
      if (this.pendingBatch[lane].length) this.enqueue(lane);
  }

  private enqueue(lane: number): void {
    const batch = this.pendingBatch[lane];
    this.pendingBatch[lane] = [];
    if (this.laneQueues[lane].length >= MAX_LANE_QUEUE) {
      this.counters.batchesShed++;
      if (this.warm()) this.counters.batchesShedAfterWarmup++;
      return;
    }
    this.laneQueues[lane].push(JSON.stringify({ events: batch }));
    if (!this.laneBusy[lane]) this.track(this.drainLane(lane));
  }

  /** A lane sends its batches one after another, so a customer's events arrive in order. */
  private async drainLane(lane: number): Promise<void> {
    this.laneBusy[lane] = true;
    try {
      for (let body = this.laneQueues[lane].shift(); body; body = this.laneQueues[lane].shift()) {
        const count = (body.match(/"eventId"/g) ?? []).length;
        const status = await this.send('write', '/v1/events', body);
        if (status === 201) {
          this.counters.eventsAccepted += count;
          for (const id of this.customersAcquiredIn(body)) this.knownCustomers.push(id);
        } else this.counters.eventsRejected += count;
      }
    } finally {
      this.laneBusy[lane] = false;
    }
  }

  private customersAcquiredIn(body: string): string[] {
    return (JSON.parse(body) as { events: PublishedEvent[] }).events
      .filter((e) => e.type === 'CustomerAcquired')
      .map((e) => e.customerId);
  }

  private read(): void {
    if (this.knownCustomers.length === 0) return;
    if (this.readsInFlight >= MAX_READS_IN_FLIGHT) {
      this.counters.readsShed++;
      if (this.warm()) this.counters.readsShedAfterWarmup++;
      return;
    }
    // Walk the pool with a stride so reads spread over old and recent customers.
    this.readCursor = (this.readCursor + 7_919) % this.knownCustomers.length;
    const id = this.knownCustomers[this.readCursor];
    this.readsInFlight++;
    this.track(
      this.get('customer360', `/v1/customers/${encodeURIComponent(id)}`).finally(() => this.readsInFlight--),
    );
  }

  private async get(kind: RequestKind, path: string): Promise<void> {
    const status = await this.send(kind, path);
    if (kind === 'customer360' && status === 404) this.counters.reads404++;
  }

  private async send(kind: RequestKind, path: string, body?: string): Promise<number> {
    const t0 = performance.now();
    let status = 0;
    let detail = '';
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      detail = await response.text();
    } catch (error) {
      detail = String(error);
    }
    this.recorder.record(kind, performance.now() - t0, status, detail.slice(0, 500));
    if (kind === 'write' && status !== 201)
      this.recorder.firstError ??= `write HTTP ${status}: ${detail.slice(0, 500)}`;
    return status;
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }
}
