/**
 * Lets the event loop take its pending I/O (other requests) before the caller goes on. Two turns of
 * `setImmediate`: called from the poll phase (an HTTP request's handler), one alone would run in the same
 * iteration's check phase, before the loop polls again; the second always comes after a poll. A timer would
 * not do either: the timers phase comes before the poll.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** How the publisher gives the loop back between slices of a batch; tests pass their own to observe it. */
export type LoopYield = () => Promise<void>;
