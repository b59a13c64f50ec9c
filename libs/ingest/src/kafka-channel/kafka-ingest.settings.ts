/** What the Kafka ingest channel needs to run (from AppConfig in the worker; by hand in scripts and tests). */
export interface KafkaIngestSettings {
  readonly brokers: readonly string[];
  /** Ingest topic: one event per message, keyed by customer id. */
  readonly topic: string;
  /** Where refused messages go, with their problem. */
  readonly rejectionsTopic: string;
  /** Consumer group: the processes sharing it share the partitions. */
  readonly group: string;
  /** Partitions of the topics when the channel creates them (existing topics keep theirs). */
  readonly partitions: number;
  /** Most events per publish call, from one partition's fetched messages (KAFKA_INGEST_BATCH_EVENTS). */
  readonly maxBatchEvents: number;
  readonly clientId?: string;
  /** Broker trouble, store errors being retried, a start that failed: the channel keeps going. */
  readonly onError?: (message: string, error?: unknown) => void;
}
