/**
 * At most `size` queries at once; the others wait their turn in arrival order. The embedded engine shares the
 * process (and libuv's thread pool) with the projectors, which must keep up whatever analysts run.
 */
export class SqlSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
