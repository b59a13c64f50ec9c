import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { typescriptSourcePrelude } from '../../../../test/support/typescript-source.prelude';

/** Test support: real OS processes appending to one SQLite file through SqliteEventStore. */

export interface WrittenEvent {
  eventId: string;
  streamRevision: number;
  /** bigint as a decimal string (JSON). */
  globalPosition: string;
}

export interface WriterReport {
  batches: WrittenEvent[][];
  conflicts: number;
}

// Plain JS run by `node`: it compiles the adapter's TypeScript on the fly (typescriptSourcePrelude), then
// runs `callers` concurrent callers on one store.
const WRITER_SCRIPT = `${typescriptSourcePrelude()}
const { randomUUID } = require('node:crypto');
const { SqliteEventStore } = require(process.env.STORE_MODULE);
const { WrongExpectedRevisionError } = require(process.env.ERRORS_MODULE);
const [file, streamId, writer, rounds, batchSize, callers] = process.argv.slice(2);

// One caller: alternates 'any' appends with read-then-append at the read revision, retrying conflicts.
async function caller(store, name) {
  const batches = [];
  let conflicts = 0;
  for (let round = 0; round < Number(rounds); round++) {
    const events = Array.from({ length: Number(batchSize) }, (_, j) => ({
      eventId: randomUUID(),
      type: 'WriterAppended',
      occurredAt: new Date().toISOString(),
      data: { writer: name, round, j },
      metadata: { schemaVersion: 1, source: 'writer-' + name },
    }));
    let result;
    if (round % 2 === 0) {
      result = await store.appendToStream(streamId, events);
    } else {
      for (;;) {
        const current = await store.readStream(streamId);
        const expectedRevision = current.length ? current[current.length - 1].streamRevision : 'no_stream';
        try {
          result = await store.appendToStream(streamId, events, { expectedRevision });
          break;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          conflicts++;
        }
      }
    }
    batches.push(result.events.map((e) => ({
      eventId: e.eventId,
      streamRevision: e.streamRevision,
      globalPosition: e.globalPosition.toString(),
    })));
  }
  return { batches, conflicts };
}

// Several callers in one process share its store, so their appends meet in group commits.
async function main() {
  const store = new SqliteEventStore(file);
  const reports = await Promise.all(
    Array.from({ length: Number(callers) }, (_, c) => caller(store, writer + '.' + c)),
  );
  await store.close();
  process.stdout.write(JSON.stringify({
    batches: reports.flatMap((r) => r.batches),
    conflicts: reports.reduce((sum, r) => sum + r.conflicts, 0),
  }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

export async function runWriterProcesses(
  file: string,
  streamId: string,
  /** callersPerProcess: concurrent callers sharing each process's store (default 1). */
  options: { processes: number; rounds: number; batchSize: number; callersPerProcess?: number },
): Promise<WriterReport[]> {
  const scriptDir = mkdtempSync(join(tmpdir(), 'crm-writer-'));
  const script = join(scriptDir, 'writer.js');
  writeFileSync(script, WRITER_SCRIPT);
  const env = {
    ...process.env,
    STORE_MODULE: resolve(__dirname, '../sqlite/sqlite.event-store.ts'),
    ERRORS_MODULE: resolve(__dirname, '../event-store.errors.ts'),
  };
  try {
    return await Promise.all(
      Array.from({ length: options.processes }, (_, writer) =>
        runOne(
          process.execPath,
          [
            script,
            file,
            streamId,
            String(writer),
            String(options.rounds),
            String(options.batchSize),
            String(options.callersPerProcess ?? 1),
          ],
          env,
        ),
      ),
    );
  } finally {
    rmSync(scriptDir, { recursive: true, force: true });
  }
}

function runOne(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<WriterReport> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`writer process exited with ${code}: ${stderr}`));
      try {
        resolvePromise(JSON.parse(stdout) as WriterReport);
      } catch (error) {
        reject(new Error(`writer process printed invalid JSON (${String(error)}): ${stdout} ${stderr}`));
      }
    });
  });
}
