import { ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typescriptSourcePrelude } from '../../../../test/support/typescript-source.prelude';

/**
 * Test support: EventIngestors in real OS processes, each with its own SqliteEventStore and decider-state
 * cache over one store file, driven over IPC. The process compiles the libraries' TypeScript on the fly
 * with @swc/core (a dev dependency) and resolves the @crm/* aliases as jest does, so no build is needed.
 */

/** One publish of a round: the raw events of a POST /v1/events batch. */
export type RawBatch = readonly Record<string, unknown>[];

export interface RoundsReport {
  /** Per round, per batch: the outcome's kind ('appended' with no failures, 'partial', 'rejected'). */
  readonly outcomes: string[][];
  /** Appends the store refused with WrongExpectedRevisionError (the write path then re-reads and decides). */
  readonly conflicts: number;
  readonly cacheSize: number;
}

export interface ProbeReport {
  /** Per probe: the revision the process's state for the customer was at, and what decide made of it. */
  readonly decisions: { customerId: string; revision: number; decision: string }[];
}

const WRITER_SCRIPT = `${typescriptSourcePrelude()}
const { SqliteEventStore, WrongExpectedRevisionError } = require('@crm/event-store');
const { commandForPublishedEvent, decide, DomainError } = require('@crm/domain');
const { EventIngestor } = require('@crm/ingest');

const [file, cacheSize] = process.argv.slice(2);
const store = new SqliteEventStore(file);
let conflicts = 0;
for (const method of ['appendToStream', 'appendToStreams']) {
  const inner = store[method].bind(store);
  store[method] = async (...args) => {
    try {
      return await inner(...args);
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) conflicts++;
      throw error;
    }
  };
}
const ingestor = new EventIngestor(store, { maxBatchEvents: 1000, stateCacheSize: Number(cacheSize) });
const NOW = Date.parse('2027-01-01T00:00:00Z');

async function publish(events) {
  const validation = ingestor.validate({ events }, { now: NOW });
  if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
  const outcome = await ingestor.publish(validation.events, { correlationId: 'processes' });
  return outcome.kind === 'appended' && outcome.failures.length > 0 ? 'partial' : outcome.kind;
}

function decision(event, state) {
  try {
    return decide(commandForPublishedEvent(event), state).map((e) => e.type).join('+');
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

process.on('message', async (message) => {
  try {
    if (message.cmd === 'rounds') {
      const outcomes = [];
      // The batches of a round at once: they meet in this process's group commits and race for streams.
      for (const round of message.rounds) outcomes.push(await Promise.all(round.map(publish)));
      process.send({ outcomes, conflicts, cacheSize: ingestor.streams.cache.size });
    } else if (message.cmd === 'probe') {
      const decisions = [];
      for (const event of message.events) {
        const loaded = await ingestor.streams.load(event.customerId);
        decisions.push({ customerId: event.customerId, revision: loaded.revision, decision: decision(event, loaded.state) });
      }
      process.send({ decisions });
    } else if (message.cmd === 'close') {
      await store.close();
      process.exit(0);
    }
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
});
process.send({ ready: true });
`;

/** An EventIngestor in a process of its own over `file`, with a decider-state cache of `cacheSize`. */
export class IngestWriterProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly scriptDir: string,
  ) {}

  static async start(file: string, cacheSize: number): Promise<IngestWriterProcess> {
    const scriptDir = mkdtempSync(join(tmpdir(), 'crm-ingest-writer-'));
    const script = join(scriptDir, 'ingest-writer.js');
    writeFileSync(script, WRITER_SCRIPT);
    const child = fork(script, [file, String(cacheSize)], {
      env: {
        ...process.env,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const writer = new IngestWriterProcess(child, scriptDir);
    await writer.reply();
    return writer;
  }

  /** Publishes round after round, the batches of a round concurrently. */
  async rounds(rounds: readonly (readonly RawBatch[])[]): Promise<RoundsReport> {
    const answer = this.reply<RoundsReport>();
    this.child.send({ cmd: 'rounds', rounds });
    return answer;
  }

  /** Decides each event on the process's state for its customer (cached, then read after its revision). */
  async probe(events: readonly Record<string, unknown>[]): Promise<ProbeReport> {
    const answer = this.reply<ProbeReport>();
    this.child.send({ cmd: 'probe', events });
    return answer;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((done) => this.child.once('exit', done));
      this.child.send({ cmd: 'close' });
      await exited;
    }
    rmSync(this.scriptDir, { recursive: true, force: true });
  }

  private reply<T>(): Promise<T> {
    return new Promise((done, fail) => {
      const onExit = (code: number | null) => fail(new Error(`ingest writer exited with ${code}`));
      this.child.once('exit', onExit);
      this.child.once('message', (message) => {
        this.child.off('exit', onExit);
        done(message as T);
      });
    });
  }
}
