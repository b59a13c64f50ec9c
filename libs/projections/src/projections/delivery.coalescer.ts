/**
 * Group commit for one consumer's deliveries: those that arrive while a write is running (one per partition at
 * most, since a partition waits for its delivery to be handled before the next) go into the next write
 * together, so a transaction's fixed cost (checkpoint, offsets, COMMIT) is paid once per round instead of once
 * per partition. No timer: a lone delivery is written at once, on the next turn of the event loop (which lets
 * the other partitions of the same publish join it).
 *
 * Per-key order holds: a key's records are in one partition, and a partition has one delivery here at a time.
 * A combined write that fails is not the verdict on every delivery in it: each is then written on its own, so
 * a poison message or a stream gap fails its own delivery only, exactly as without the grouping.
 */
export class DeliveryCoalescer<T extends { readonly size: number }> {
  private queue: Pending<T>[] = [];
  private draining = false;

  /**
   * together: writes several deliveries as one (their events and offsets in one transaction).
   * alone: writes one delivery; its error is that delivery's outcome.
   * maxEvents: most events per combined write (bounds a transaction's duration, and so how long the database's
   * write lock is held against the API's appends); a delivery larger than it is written alone.
   */
  constructor(
    private readonly together: (deliveries: readonly T[]) => Promise<void>,
    private readonly alone: (delivery: T) => Promise<void>,
    private readonly maxEvents: number,
  ) {}

  submit(delivery: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ delivery, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.writeRound(this.takeRound());
    } finally {
      this.draining = false;
    }
  }

  /** The oldest deliveries up to maxEvents (at least one). */
  private takeRound(): Pending<T>[] {
    let events = this.queue[0].delivery.size;
    let count = 1;
    while (count < this.queue.length && events + this.queue[count].delivery.size <= this.maxEvents) {
      events += this.queue[count].delivery.size;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async writeRound(round: Pending<T>[]): Promise<void> {
    if (round.length > 1) {
      try {
        await this.together(round.map((p) => p.delivery));
        for (const p of round) p.resolve();
        return;
      } catch {
        // Fall through: each delivery alone decides its own outcome (and names its poison message).
      }
    }
    for (const p of round) {
      try {
        await this.alone(p.delivery);
        p.resolve();
      } catch (error) {
        p.reject(error);
      }
    }
  }
}

interface Pending<T> {
  readonly delivery: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}
