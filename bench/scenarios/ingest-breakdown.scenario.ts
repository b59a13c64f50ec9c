import { SqliteEventStore } from '@crm/event-store';
import { EventStoreSink, generate, publishedEvents, type PublishedEvent } from '@crm/generator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CustomerStreamRepository, DeciderStateCache } from '@crm/ingest';
import { validatePublishBody } from '@crm/ingest';
import type { BenchOptions } from '../bench-options';
import type { Scenario, ScenarioResult } from '../bench-result';

/**
 * Where an HTTP ingest's server time goes, one stage at a time and in isolation (same generated events):
 * parsing the body, schema validation (the contract check compiled from the DTOs; class-validator only for
 * events it cannot accept) and loading + folding a customer's stream before deciding, read whole or topped up
 * from the decider-state cache (the append itself is the "append" lines).
 */
export function ingestBreakdownScenario(options: BenchOptions): Scenario {
  return {
    group: 'breakdown',
    async run(): Promise<ScenarioResult[]> {
      const events = [...take(publishedEvents({ customers: 5000, seed: options.seed }), 20_000)];
      const bodies = chunks(events, 1000).map((batch) => JSON.stringify({ events: batch }));
      const parse: number[] = [];
      const validate: number[] = [];
      const load: number[] = [];
      const cachedLoad: number[] = [];
      for (let run = 1; run <= options.runs; run++) {
        parse.push(timePerItem(events.length, () => bodies.forEach((b) => JSON.parse(b))));
        const parsed = bodies.map((b) => JSON.parse(b) as unknown);
        const now = Date.now();
        validate.push(
          timePerItem(events.length, () => {
            for (const body of parsed)
              if (!validatePublishBody(body, { maxEvents: 1000, now }).ok) throw new Error('invalid');
          }),
        );
        const loads = await loadPerCustomer(options.seed);
        load.push(loads.whole);
        cachedLoad.push(loads.cached);
        log(
          `breakdown run ${run}: parse ${parse.at(-1)?.toFixed(1)} us/event, validate ${validate.at(-1)?.toFixed(1)} us/event, load ${load.at(-1)?.toFixed(1)} us/customer (cached ${cachedLoad.at(-1)?.toFixed(1)})`,
        );
      }
      return [
        {
          id: 'ingest-parse',
          title: 'Ingest stage: JSON.parse of 1,000-event bodies',
          unit: 'us/event',
          samples: parse,
        },
        {
          id: 'ingest-validate',
          title: 'Ingest stage: schema validation (compiled contract check)',
          unit: 'us/event',
          samples: validate,
        },
        {
          id: 'ingest-load',
          title: 'Ingest stage: load + fold a customer stream (store of 20k customers)',
          unit: 'us/customer',
          samples: load,
          notes: 'readStream parses every event data and metadata',
        },
        {
          id: 'ingest-load-cached',
          title: 'Ingest stage: state of a cached customer (reads only the events after its revision)',
          unit: 'us/customer',
          samples: cachedLoad,
        },
      ];
    },
  };
}

/**
 * Loads every customer of a populated store once, as the publisher does before deciding: read whole (no
 * cache), then again through a warm decider-state cache (one read of the events after the cached revision).
 */
async function loadPerCustomer(seed: number): Promise<{ whole: number; cached: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-load-'));
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  try {
    await generate({ customers: 20_000, seed }, new EventStoreSink(store, { windowEvents: 5000 }));
    const repository = new CustomerStreamRepository(store);
    const ids = Array.from({ length: 20_000 }, (_, i) => `c-${i + 1}`);
    await repository.load(ids[0]);
    const start = performance.now();
    for (const id of ids) await repository.load(id);
    const whole = ((performance.now() - start) * 1000) / ids.length;
    const cachedRepository = new CustomerStreamRepository(store, new DeciderStateCache(ids.length));
    for (const id of ids) await cachedRepository.load(id);
    const warm = performance.now();
    for (const id of ids) await cachedRepository.load(id);
    const cached = ((performance.now() - warm) * 1000) / ids.length;
    return { whole, cached };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function timePerItem(items: number, fn: () => void): number {
  fn(); // warm up
  const start = performance.now();
  fn();
  return ((performance.now() - start) * 1000) / items;
}

function* take<T>(iterable: Iterable<T>, n: number): Generator<T> {
  let i = 0;
  for (const item of iterable) {
    if (i++ >= n) return;
    yield item;
  }
}

const chunks = (events: readonly PublishedEvent[], size: number) =>
  Array.from({ length: Math.ceil(events.length / size) }, (_, i) => events.slice(i * size, (i + 1) * size));

const log = (line: string) => process.stderr.write(`  ${line}\n`);
