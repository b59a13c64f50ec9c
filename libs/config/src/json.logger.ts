import type { LoggerService, LogLevel } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a request carries through everything it calls (set by the API's correlation-id middleware). */
interface RequestContext {
  readonly correlationId: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it starts, synchronously or not) with this correlation id in context. */
export function runWithCorrelationId<T>(correlationId: string, fn: () => T): T {
  return requestContext.run({ correlationId }, fn);
}

/** The correlation id of the request being served, if any. */
export function currentCorrelationId(): string | undefined {
  return requestContext.getStore()?.correlationId;
}

/** Nest levels each LOG_LEVEL lets through. */
const LEVELS: Record<'debug' | 'info' | 'warn' | 'error', LogLevel[]> = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  info: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
};

/** Level names in the output: `log` is Nest's name for info. */
const LEVEL_NAME: Record<LogLevel, string> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'verbose',
};

export interface JsonLoggerOptions {
  /** LOG_LEVEL. Default info. */
  readonly level?: keyof typeof LEVELS;
  /** Where each line goes (with its newline). Default: stderr for fatal, error and warn, stdout otherwise. */
  readonly write?: (line: string, level: LogLevel) => void;
  readonly now?: () => Date;
}

const looksLikeStack = (value: unknown): value is string =>
  typeof value === 'string' && /\n\s+at /.test(value);

const defaultWrite = (line: string, level: LogLevel) =>
  (level === 'error' || level === 'fatal' || level === 'warn' ? process.stderr : process.stdout).write(line);

/**
 * A Nest LoggerService writing one JSON object per line (LOG_FORMAT=json), for log collectors:
 * `{"time","level","context","message","correlationId","stack"}`, the last three only when known. The
 * correlation id is the one of the request being served (AsyncLocalStorage), so every line a request causes,
 * in any class, can be found by the id its answer carried in `x-correlation-id`.
 *
 * Nest calls `log(message, context)` and `error(message, stack, context)`; an Error as message gives its
 * message and stack; an object message is kept as JSON (not stringified twice).
 */
export class JsonLogger implements LoggerService {
  private levels: Set<LogLevel>;
  private readonly write: (line: string, level: LogLevel) => void;
  private readonly now: () => Date;

  constructor(options: JsonLoggerOptions = {}) {
    this.levels = new Set(LEVELS[options.level ?? 'info']);
    this.write = options.write ?? defaultWrite;
    this.now = options.now ?? (() => new Date());
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('fatal', message, params);
  }

  setLogLevels(levels: LogLevel[]): void {
    this.levels = new Set(levels);
  }

  private emit(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.levels.has(level)) return;
    const rest = [...params];
    // The context is the last string parameter (Nest's convention); an error's stack may precede it.
    const context =
      typeof rest[rest.length - 1] === 'string' && !looksLikeStack(rest[rest.length - 1])
        ? (rest.pop() as string)
        : undefined;
    let stack = rest.find(looksLikeStack);
    let text: unknown = message;
    if (message instanceof Error) {
      text = message.message;
      stack ??= message.stack;
    }
    const correlationId = currentCorrelationId();
    const line = {
      time: this.now().toISOString(),
      level: LEVEL_NAME[level],
      ...(context ? { context } : {}),
      message: typeof text === 'string' || (typeof text === 'object' && text !== null) ? text : String(text),
      ...(correlationId ? { correlationId } : {}),
      ...(stack ? { stack } : {}),
    };
    this.write(
      `${JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`,
      level,
    );
  }
}
