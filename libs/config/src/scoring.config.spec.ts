import { ConfigError, loadConfig } from './app.config';

describe('scoring job configuration', () => {
  it('scores hourly in EUR, 5,000 customers at a time, by default', () => {
    const config = loadConfig({});
    expect(config.SCORING_INTERVAL_MS).toBe(3_600_000);
    expect(config.SCORING_CURRENCY).toBe('EUR');
    expect(config.SCORING_BATCH_SIZE).toBe(5_000);
  });

  it('reads the variables; an interval of 0 turns the timer off', () => {
    const config = loadConfig({
      SCORING_INTERVAL_MS: '0',
      SCORING_CURRENCY: 'USD',
      SCORING_BATCH_SIZE: '10',
    });
    expect(config).toMatchObject({ SCORING_INTERVAL_MS: 0, SCORING_CURRENCY: 'USD', SCORING_BATCH_SIZE: 10 });
  });

  it.each([
    ['SCORING_INTERVAL_MS', '-1'],
    ['SCORING_INTERVAL_MS', 'hourly'],
    ['SCORING_CURRENCY', 'euro'],
    ['SCORING_BATCH_SIZE', '0'],
    ['SCORING_BATCH_SIZE', '1000000'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
