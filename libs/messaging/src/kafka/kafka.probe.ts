import { Kafka, logLevel } from 'kafkajs';

export type KafkaProbe =
  | { readonly state: 'up'; readonly brokers: readonly string[] }
  | { readonly state: 'down'; readonly brokers: readonly string[]; readonly reason: string };

/**
 * Whether the brokers answer a cluster description within `timeoutMs`: one attempt, no retries, nothing
 * logged. For reports (`crm status`) that must say "down" quickly rather than wait out a client's retries.
 */
export async function probeKafka(brokers: readonly string[], timeoutMs = 3_000): Promise<KafkaProbe> {
  const admin = new Kafka({
    clientId: 'crm-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { state: 'up', brokers };
  } catch (error) {
    return { state: 'down', brokers, reason: (error as Error).message ?? String(error) };
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}
