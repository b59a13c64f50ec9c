import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './app.config';
import { currentCorrelationId, JsonLogger, runWithCorrelationId } from './json.logger';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = new JsonLogger({
    level,
    now: () => new Date('2026-01-02T03:04:05.678Z'),
    write: (line) => {
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, lines, raw };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line: time, level, context, message', () => {
    const { logger, lines, raw } = capture();
    logger.log('started', 'Bootstrap');
    logger.warn('slow', 'Relay');
    expect(raw.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines).toEqual([
      { time: '2026-01-02T03:04:05.678Z', level: 'info', context: 'Bootstrap', message: 'started' },
      { time: '2026-01-02T03:04:05.678Z', level: 'warn', context: 'Relay', message: 'slow' },
    ]);
  });

  it('adds the correlation id of the request in context, across awaits, and only there', async () => {
    const { logger, lines } = capture();
    await runWithCorrelationId('req-1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentCorrelationId()).toBe('req-1');
      logger.log('inside', 'Handler');
    });
    logger.log('outside', 'Handler');
    expect(lines.map((l) => [l.message, l.correlationId])).toEqual([
      ['inside', 'req-1'],
      ['outside', undefined],
    ]);
  });

  it("reads Nest's error(message, stack, context) and Error messages; keeps object messages as JSON", () => {
    const { logger, lines } = capture();
    const error = new Error('boom');
    logger.error('failed', error.stack, 'Consumer');
    logger.error(error);
    logger.log({ batch: 3, position: 10n }, 'Projector');
    expect(lines[0]).toMatchObject({ level: 'error', context: 'Consumer', message: 'failed' });
    expect(lines[0].stack).toMatch(/^Error: boom\n\s+at /);
    expect(lines[1]).toMatchObject({
      level: 'error',
      message: 'boom',
      stack: expect.stringContaining('at '),
    });
    expect(lines[1].context).toBeUndefined();
    expect(lines[2]).toMatchObject({ message: { batch: 3, position: '10' }, context: 'Projector' });
  });

  it('lets through the levels of LOG_LEVEL only', () => {
    const { logger, lines } = capture('warn');
    logger.debug('d');
    logger.log('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
    const debug = capture('debug');
    debug.logger.debug('d');
    expect(debug.lines.map((l) => l.level)).toEqual(['debug']);
  });

  it("serves as Nest's logger: Logger instances write through it", () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    try {
      new Logger('Somewhere').log('hello');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines).toEqual([
      expect.objectContaining({ context: 'Somewhere', message: 'hello', level: 'info' }),
    ]);
  });
});

describe('LOG_FORMAT', () => {
  it('defaults to json in production and pretty elsewhere; an explicit value wins; others are refused', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
  });
});
