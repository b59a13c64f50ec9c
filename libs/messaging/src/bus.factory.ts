import type { Bus } from './bus.port';
import { InProcessBus } from './in-process/in-process.bus';
import { KafkaBus } from './kafka/kafka.bus';

/** How long creating a Kafka bus waits for a broker before going on without one. */
const BOOT_WAIT_MS = 5_000;

export interface BusSettings {
  /** Kafka bootstrap brokers (host:port); absent or empty: the in-process bus. */
  readonly kafkaBrokers?: readonly string[];
  readonly partitions?: number;
  readonly topic?: string;
  readonly clientId?: string;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly onError?: (message: string, error: unknown) => void;
}

/**
 * Kafka when brokers are configured, else the in-process bus. A Kafka broker that does not answer within
 * BOOT_WAIT_MS does not fail the creation: the bus keeps trying in the background (ping fails
 * meanwhile, consumers join when it answers), so a worker booted before Kafka runs and reports it down.
 */
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
    // Usually the broker answers at once, and consumers created next join before they resolve.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      bus.start().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, BOOT_WAIT_MS))),
    ]);
    clearTimeout(timer);
    bus.startInBackground();
    return bus;
  }
  return new InProcessBus({
    partitions: settings.partitions,
    topic: settings.topic,
    onError: settings.onError,
  });
}
