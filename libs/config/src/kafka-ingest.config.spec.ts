import { ConfigError, loadConfig } from './app.config';

describe('configuration of the Kafka ingest channel', () => {
  it('defaults to the documented topics and group, switched on', () => {
    const config = loadConfig({});
    expect(config.KAFKA_INGEST_ENABLED).toBe(true);
    expect(config.KAFKA_INGEST_TOPIC).toBe('crm.customer-events.in.v1');
    expect(config.KAFKA_INGEST_REJECTIONS_TOPIC).toBe('crm.customer-events.rejected.v1');
    expect(config.KAFKA_INGEST_GROUP).toBe('crm-ingest');
    expect(config.KAFKA_INGEST_BATCH_EVENTS).toBe(5_000);
  });

  it('reads the switch and the names', () => {
    const config = loadConfig({
      KAFKA_INGEST_ENABLED: 'false',
      KAFKA_INGEST_TOPIC: 'orders.in',
      KAFKA_INGEST_REJECTIONS_TOPIC: 'orders.rejected',
      KAFKA_INGEST_GROUP: 'orders-ingest',
    });
    expect(config).toMatchObject({
      KAFKA_INGEST_ENABLED: false,
      KAFKA_INGEST_TOPIC: 'orders.in',
      KAFKA_INGEST_REJECTIONS_TOPIC: 'orders.rejected',
      KAFKA_INGEST_GROUP: 'orders-ingest',
    });
  });

  it.each([
    ['KAFKA_INGEST_ENABLED', 'yes'],
    ['KAFKA_INGEST_TOPIC', 'no spaces allowed'],
    ['KAFKA_INGEST_REJECTIONS_TOPIC', 'a/b'],
    ['KAFKA_INGEST_GROUP', ''],
    ['KAFKA_INGEST_BATCH_EVENTS', '0'],
  ])('stops at boot naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });
});
