import { loadConfig } from '@crm/config';
import { createEventStore } from '@crm/event-store';
import { KafkaBus } from '@crm/messaging';
import { HistoryRepublisher, RepublishInterruptedError, type RepublishProgress } from '@crm/projections';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';
import { duration } from '../progress/progress-text';

const USAGE = `Usage: crm republish --topic <topic> (--from-position <P> | --from-date <date>) [--rate N] [--json]

Publishes the history of customer events, from a global position (inclusive) or from the first event
recorded at or after a date, up to the head of the event store as of the start, to a Kafka topic of its own:
what an engineer needs to feed a new consumer group without touching the live topic. Records are the
relay's (keyed by customer id, so each customer's events stay in order; current schema versions), with the
header x-republished: true. The topic is created when missing (KAFKA_PARTITIONS partitions).

  --topic <topic>         target topic; must differ from the live one (KAFKA_TOPIC)
  --from-position <P>     first global position to publish (1: everything)
  --from-date <date>      ISO 8601 date or date-time: the first event recorded at or after it
  --rate N                at most N events per second on average (default: as fast as the broker takes)
  --batch N               events per read, and at most per send (default 1000)
  --json                  print the summary as JSON on stdout

Needs KAFKA_BROKERS. Progress (rate, ETA) goes to stderr. Exit codes: 0 done; 1 failed (what was sent
stays sent: run again from the position it reports); 2 usage error; 130 interrupted.`;

const positiveInt = (value: unknown): number | undefined => {
  const n = Number(value);
  return typeof value === 'string' && Number.isInteger(n) && n >= 1 ? n : undefined;
};

function usageError(message: string): number {
  console.error(`crm republish: ${message}\n\n${USAGE}`);
  return EXIT.USAGE;
}

function progressLine(p: RepublishProgress): string {
  const remaining = Number(p.toPosition - p.position);
  const perPosition = p.elapsedMs / Math.max(1, Number(p.position - p.fromPosition + 1n));
  return [
    `republish  ${Math.floor(p.fraction * 100)}%`,
    `position ${p.position}/${p.toPosition}`,
    `${p.events} events`,
    `${Math.round(p.eventsPerSecond).toLocaleString('en')} ev/s`,
    p.done ? `done in ${duration(p.elapsedMs)}` : `ETA ${duration(remaining * perPosition)}`,
  ].join('  ');
}

export const republishCommand: CliCommand = {
  summary:
    'Publish history to a Kafka topic for a new consumer group (from a position or a date, rate-limited)',
  usage: USAGE,
  options: {
    topic: { type: 'string' },
    'from-position': { type: 'string' },
    'from-date': { type: 'string' },
    rate: { type: 'string' },
    batch: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    const config = loadConfig();
    const topic = values.topic as string | undefined;
    const fromPositionText = values['from-position'] as string | undefined;
    const fromDate = values['from-date'] as string | undefined;
    if (positionals.length > 0) return usageError(`unexpected argument ${positionals[0]}`);
    if (!topic || !/^[A-Za-z0-9._-]{1,200}$/.test(topic))
      return usageError('--topic must be a Kafka topic name');
    if (topic === config.KAFKA_TOPIC) {
      return usageError(
        `--topic must not be the live topic ${config.KAFKA_TOPIC}: its consumers would get history again`,
      );
    }
    if ((fromPositionText === undefined) === (fromDate === undefined)) {
      return usageError('give exactly one of --from-position and --from-date');
    }
    if (fromPositionText !== undefined && !/^\d{1,20}$/.test(fromPositionText)) {
      return usageError('--from-position must be a global position (an integer)');
    }
    if (
      fromDate !== undefined &&
      (!/^\d{4}-\d{2}-\d{2}/.test(fromDate) || Number.isNaN(Date.parse(fromDate)))
    ) {
      return usageError('--from-date must be an ISO 8601 date or date-time');
    }
    const rate = values.rate === undefined ? undefined : positiveInt(values.rate);
    const batch = values.batch === undefined ? undefined : positiveInt(values.batch);
    if (values.rate !== undefined && rate === undefined) return usageError('--rate must be an integer >= 1');
    if (values.batch !== undefined && batch === undefined)
      return usageError('--batch must be an integer >= 1');
    const brokers = config.kafkaBrokers;
    if (!brokers) return usageError('republishing needs a Kafka broker: set KAFKA_BROKERS');

    // Sealed: the topic gets personal data encrypted only (consumers open it with the keys), so it stays erasable.
    const store = createEventStore({
      eventStoreUrl: config.EVENTSTORE_URL,
      dataDir: config.dataDir,
      sealed: true,
    });
    const bus = new KafkaBus({
      brokers,
      topic,
      partitions: config.KAFKA_PARTITIONS,
      clientId: `${config.workerId}-republish`,
      onError: (message) => console.error(`crm republish: ${message}`),
    });
    const controller = new AbortController();
    const stop = () => {
      if (controller.signal.aborted) process.exit(EXIT.INTERRUPTED);
      controller.abort();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const tty = process.stderr.isTTY === true;
    let lastDrawn = 0;
    try {
      const result = await new HistoryRepublisher(store, bus).run({
        fromPosition: fromPositionText === undefined ? undefined : BigInt(fromPositionText),
        fromDate,
        ratePerSecond: rate,
        batchSize: batch,
        signal: controller.signal,
        onProgress: (p) => {
          if (!p.done && Date.now() - lastDrawn < (tty ? 100 : 1000)) return;
          lastDrawn = Date.now();
          process.stderr.write(
            tty ? `\r${progressLine(p)}\u001b[K${p.done ? '\n' : ''}` : `${progressLine(p)}\n`,
          );
        },
      });
      const summary = {
        topic,
        fromPosition: result.fromPosition.toString(),
        toPosition: result.toPosition.toString(),
        events: result.events,
        elapsedMs: result.elapsedMs,
        eventsPerSecond: Math.round(result.eventsPerSecond),
      };
      console.log(
        values.json
          ? JSON.stringify(summary)
          : `republished ${result.events} events (positions ${result.fromPosition}..${result.toPosition}) to ${topic} ` +
              `in ${duration(result.elapsedMs)}`,
      );
      return EXIT.OK;
    } catch (error) {
      if (error instanceof RepublishInterruptedError) {
        console.error(`\ncrm republish: ${error.message}`);
        return EXIT.INTERRUPTED;
      }
      console.error(`crm republish: failed: ${(error as Error).message ?? String(error)}`);
      return EXIT.FAILURE;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await bus.close();
      await store.close();
    }
  },
};
