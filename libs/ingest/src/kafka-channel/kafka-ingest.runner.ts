import { AppConfig } from '@crm/config';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventIngestor } from '../event-ingestor';
import { KafkaIngestChannel } from './kafka-ingest.channel';

const START_RETRY_MS = 5_000;

/**
 * Runs the Kafka ingest channel in the worker (and `crm serve`) when KAFKA_BROKERS is set and
 * KAFKA_INGEST_ENABLED is not false. A broker that is not there yet does not stop the process: the channel
 * starts when it can, and says why meanwhile.
 */
@Injectable()
export class KafkaIngestRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KafkaIngest');
  private channel?: KafkaIngestChannel;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly ingestor: EventIngestor,
  ) {}

  onApplicationBootstrap(): void {
    const brokers = this.config.kafkaBrokers;
    if (!brokers || !this.config.KAFKA_INGEST_ENABLED) return;
    this.channel = new KafkaIngestChannel(this.ingestor, {
      brokers,
      topic: this.config.KAFKA_INGEST_TOPIC,
      rejectionsTopic: this.config.KAFKA_INGEST_REJECTIONS_TOPIC,
      group: this.config.KAFKA_INGEST_GROUP,
      partitions: this.config.KAFKA_PARTITIONS,
      maxBatchEvents: this.config.KAFKA_INGEST_BATCH_EVENTS,
      clientId: `${this.config.workerId}-ingest`,
      onError: (message, error) =>
        this.logger.warn(error ? `${message}: ${(error as Error)?.message ?? String(error)}` : message),
    });
    this.startChannel();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.channel?.stop();
  }

  private startChannel(): void {
    const channel = this.channel;
    if (!channel || this.stopped) return;
    channel.start().then(
      () =>
        this.logger.log(
          `consuming ${this.config.KAFKA_INGEST_TOPIC} (group ${this.config.KAFKA_INGEST_GROUP}), rejections to ${this.config.KAFKA_INGEST_REJECTIONS_TOPIC}`,
        ),
      async (error: unknown) => {
        this.logger.warn(
          `could not start, retrying in ${START_RETRY_MS} ms: ${(error as Error)?.message ?? error}`,
        );
        await channel.stop();
        this.retryTimer = setTimeout(() => this.startChannel(), START_RETRY_MS);
      },
    );
  }
}
