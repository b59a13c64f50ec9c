/**
 * A binary min-heap of customer indices keyed by `keys[index]` (ties: lower index first, so the order of
 * simultaneous events is deterministic). One entry per customer with something still to happen.
 */
export class CustomerHeap {
  private readonly heap: Int32Array;
  private count = 0;

  constructor(
    capacity: number,
    private readonly keys: Float64Array,
  ) {
    this.heap = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The index with the smallest key, or -1 when empty. */
  peek(): number {
    return this.count === 0 ? -1 : this.heap[0];
  }

  push(index: number): void {
    let i = this.count++;
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(index, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = index;
  }

  /** Removes the top. */
  pop(): void {
    const last = this.heap[--this.count];
    if (this.count > 0) this.siftDown(last);
  }

  /** The top's key grew: moves it down to its place. */
  updateTop(): void {
    this.siftDown(this.heap[0]);
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = this.count;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(heap[child + 1], heap[child])) child++;
      if (!this.less(heap[child], index)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = index;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a];
    const kb = this.keys[b];
    return ka < kb || (ka === kb && a < b);
  }
}
