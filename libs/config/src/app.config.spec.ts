import { ConfigError, loadConfig } from './app.config';

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe('./data');
    expect(config.EVENTSTORE_URL).toBeUndefined();
    expect(config.kafkaBrokers).toBeUndefined();
    expect(config.MAX_BATCH_EVENTS).toBe(1000);
    expect(config.EVENT_STORE_DURABILITY).toBe('full');
  });

  it('reads EVENT_STORE_DURABILITY', () => {
    expect(loadConfig({ EVENT_STORE_DURABILITY: 'normal' }).EVENT_STORE_DURABILITY).toBe('normal');
  });

  it('reads and converts the variables', () => {
    const config = loadConfig({
      PORT: '8080',
      DATA_DIR: '/tmp/x',
      EVENTSTORE_URL: 'esdb://localhost:2113?tls=false',
      KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.2:9092',
      DATABASE_URL: 'postgres://crm:crm@127.0.0.1:5432/crm',
    });
    expect(config.PORT).toBe(8080);
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092', '127.0.0.2:9092']);
  });

  it('reads API_PROCESSES, one by default', () => {
    expect(loadConfig({}).API_PROCESSES).toBe(1);
    expect(loadConfig({ API_PROCESSES: '3' }).API_PROCESSES).toBe(3);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ EVENTSTORE_URL: '' }).EVENTSTORE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['EVENTSTORE_URL', 'http://localhost:2113'],
    ['KAFKA_BROKERS', 'localhost'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_BATCH_EVENTS', '0'],
    ['EVENT_STORE_DURABILITY', 'off'],
    ['EVENT_STORE_DURABILITY', 'FULL'],
    ['API_PROCESSES', '0'],
    ['API_PROCESSES', '2.5'],
    ['API_PROCESSES', 'many'],
    ['API_PROCESSES', '65'],
  ])('fails fast naming %s when it is %p', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split('=')[0]).sort()).toEqual([
        'LOG_LEVEL',
        'PORT',
      ]);
    }
  });
});
