/**
 * A FIFO bounded by item count and, optionally, by total size, that drops its oldest items when
 * full. For Raft the newest message is the most useful one (it carries the latest term and commit),
 * so old ones go first. A single item larger than the byte bound is still kept (alone), since
 * refusing it would make a big entry undeliverable forever.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  dropped = 0;

  constructor(
    readonly capacity: number,
    private readonly maxBytes = Infinity,
    private readonly sizeOf: (item: T) => number = () => 0,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Adds an item; returns how many old items were dropped to make room. */
  push(item: T): number {
    const size = this.sizeOf(item);
    let dropped = 0;
    while (this.length > 0 && (this.length >= this.capacity || this.bytes + size > this.maxBytes)) {
      this.bytes -= this.sizes[this.head];
      this.head++;
      dropped++;
    }
    this.dropped += dropped;
    this.items.push(item);
    this.sizes.push(size);
    this.bytes += size;
    this.compact();
    return dropped;
  }

  /**
   * Removes and returns up to `max` items from the front, stopping before the total size would pass
   * `maxBytes` (but always taking at least one item when any is queued).
   */
  take(max: number, maxBytes = Infinity): T[] {
    let n = 0;
    let size = 0;
    while (n < max && this.head + n < this.items.length) {
      const next = this.sizes[this.head + n];
      if (n > 0 && size + next > maxBytes) break;
      size += next;
      n++;
    }
    const out = this.items.slice(this.head, this.head + n);
    this.bytes -= size;
    this.head += n;
    this.compact();
    return out;
  }

  clear(): void {
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
  }

  private compact(): void {
    // Amortized O(1): shift the arrays only once the dead prefix is as long as the live part.
    if (this.head > 0 && this.head >= this.items.length - this.head) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
