import { createHash } from 'node:crypto';
import {
  commandForPublishedEvent,
  type CustomerState,
  decide,
  evolve,
  initialState,
  isCurrencyCode,
} from '@crm/domain';
import { validatePublishBody } from '@crm/ingest';
import { LifecycleGenerator, publishedEvents } from './lifecycle.generator';
import type { GeneratedEvent, PublishedEvent } from './published-event';

const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const UTC_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const digest = (events: Iterable<PublishedEvent>) => {
  const hash = createHash('sha256');
  for (const event of events) hash.update(JSON.stringify(event)).update('\n');
  return hash.digest('hex');
};

describe('LifecycleGenerator', () => {
  const all: GeneratedEvent[] = [...new LifecycleGenerator({ customers: 3000, seed: 2024 })];
  const published = all.map((e) => e.published);

  it('is deterministic: same seed, same events; another seed, other events', () => {
    expect(digest(publishedEvents({ customers: 3000, seed: 2024 }))).toBe(digest(published));
    expect(digest(publishedEvents({ customers: 3000, seed: 2025 }))).not.toBe(digest(published));
    expect(digest(publishedEvents({ customers: 3000, seed: 'demo' }))).toBe(
      digest(publishedEvents({ customers: 3000, seed: 'demo' })),
    );
  });

  it('yields events in global time order inside the window, with unique ids', () => {
    const { from, to } = { from: Date.parse('2023-01-01T00:00:00Z'), to: Date.parse('2026-01-01T00:00:00Z') };
    const times = published.map((e) => Date.parse(e.occurredAt));
    expect(times.filter((t, i) => t < (i === 0 ? from : times[i - 1]))).toEqual([]);
    expect(times[times.length - 1]).toBeLessThan(to);
    expect(new Set(published.map((e) => e.eventId)).size).toBe(published.length);
    expect(published.filter((e) => e.type === 'CustomerAcquired')).toHaveLength(3000);
  });

  it('produces only events the decider accepts, folding every customer stream with the real state', () => {
    const states = new Map<string, CustomerState>();
    let reactivations = 0;
    for (const event of published) {
      let state = states.get(event.customerId) ?? initialState();
      const emitted = decide(commandForPublishedEvent(event), state); // throws on a broken rule
      for (const e of emitted) {
        state = evolve(state, e);
        if (e.type === 'CustomerReactivated') reactivations++;
      }
      states.set(event.customerId, state);
    }
    expect(states.size).toBe(3000);
    expect(reactivations).toBe(all.reduce((n, e) => n + e.emitted.length - 1, 0));
    expect(reactivations).toBeGreaterThan(0);
  });

  it('produces what the API schema accepts (its own validator, in batches of 1,000)', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    const sample = [...published.slice(0, 4000), ...published.slice(-2000)];
    for (let i = 0; i < sample.length; i += 1000) {
      const outcome = validatePublishBody({ events: sample.slice(i, i + 1000) }, { maxEvents: 1000, now });
      expect(outcome.ok ? [] : outcome.errors.slice(0, 3)).toEqual([]);
    }
  });

  it('keeps the schema rules of the README table on every event', () => {
    const broken: string[] = [];
    const check = (ok: boolean, what: string, event: PublishedEvent) => {
      if (!ok) broken.push(`${what}: ${JSON.stringify(event)}`);
    };
    for (const event of published) {
      check(CUSTOMER_ID.test(event.customerId), 'customerId', event);
      check(UTC_SECONDS.test(event.occurredAt), 'occurredAt', event);
      if (event.type !== 'CustomerPurchased') continue;
      const { amount, items = [] } = event.data;
      check(Number.isSafeInteger(amount.minor) && amount.minor >= 0, 'amount.minor', event);
      check(isCurrencyCode(amount.currency), 'amount.currency', event);
      check(items.length > 0, 'items', event);
      let sum = 0;
      for (const item of items) {
        check(item.unitPrice.currency === amount.currency, 'item currency', event);
        check(Number.isSafeInteger(item.unitPrice.minor) && item.unitPrice.minor >= 1, 'unit price', event);
        check(Number.isSafeInteger(item.quantity) && item.quantity >= 1, 'quantity', event);
        sum += item.unitPrice.minor * item.quantity;
      }
      check(sum === amount.minor, 'amount = sum of lines', event);
    }
    expect(broken.slice(0, 5)).toEqual([]);
  });

  it('refuses bad options with the option name', () => {
    expect(() => new LifecycleGenerator({ customers: 0 })).toThrow(/customers/);
    expect(() => new LifecycleGenerator({ customers: 1, to: '2020-01-01T00:00:00Z' })).toThrow(/\bto\b/);
    expect(() => new LifecycleGenerator({ customers: 1, spend: { q: 1 } })).toThrow(/spend\.q/);
    expect(() => new LifecycleGenerator({ customers: 1, countries: { XX: 1 } })).toThrow(/XX/);
  });

  it('runs once', () => {
    const generator = new LifecycleGenerator({ customers: 2 });
    expect([...generator].length).toBeGreaterThan(0);
    expect(() => [...generator]).toThrow(/runs once/);
  });
});
