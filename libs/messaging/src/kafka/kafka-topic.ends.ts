import { type Admin, Kafka, logLevel } from 'kafkajs';

/**
 * Where each partition of a topic ends now (the next offset Kafka will write), for status reads that compare
 * it with what a projection stored: one admin request per call on a connection kept between calls. A
 * partition whose log is empty (nothing written, or everything expired) is left out: there is nothing in it
 * to read. A failed call drops the connection and throws; the next call connects again.
 */
export class KafkaTopicEnds {
  private admin?: Promise<Admin>;

  constructor(
    private readonly brokers: readonly string[],
    private readonly clientId = 'crm-topic-ends',
  ) {}

  async ends(topic: string): Promise<Map<number, bigint>> {
    try {
      const admin = await (this.admin ??= this.connect());
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(
        offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
      );
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const admin = await this.admin?.catch(() => undefined);
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Admin> {
    const admin = new Kafka({
      clientId: this.clientId,
      brokers: [...this.brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3_000,
      requestTimeout: 5_000,
      retry: { retries: 1 },
    }).admin();
    await admin.connect();
    return admin;
  }
}
