import type { Bus } from './bus.port';
import { InProcessBus } from './in-process/in-process.bus';
import { KafkaBus } from './kafka/kafka.bus';

export interface BusSettings {
  /** Kafka bootstrap brokers (host:port); absent or empty: the in-process bus. */
  readonly kafkaBrokers?: readonly string[];
  readonly partitions?: number;
  readonly topic?: string;
  readonly clientId?: string;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly onError?: (message: string, error: unknown) => void;
}

/** Kafka when brokers are configured, else the in-process bus. */
export async function createBus(settings: BusSettings): Promise<Bus> {
  if (settings.kafkaBrokers && settings.kafkaBrokers.length > 0) {
    const bus = new KafkaBus({
      brokers: settings.kafkaBrokers,
      partitions: settings.partitions,
      topic: settings.topic,
      clientId: settings.clientId,
      logLevel: settings.logLevel,
      onError: settings.onError,
    });
    await bus.start();
    return bus;
  }
  return new InProcessBus({
    partitions: settings.partitions,
    topic: settings.topic,
    onError: settings.onError,
  });
}
