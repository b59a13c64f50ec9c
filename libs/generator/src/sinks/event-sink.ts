import type { GeneratedRecord } from '../published-event';

/** Where generated events go: a file, the HTTP API, an event store. */
export interface EventSink {
  /**
   * Takes one event. Returns a promise only when the producer must wait (backpressure), so the hot loop does
   * not pay for a promise per event.
   */
  write(event: GeneratedRecord): void | Promise<void>;
  /** Flushes what is buffered and waits until it is written. */
  close(): Promise<void>;
}
