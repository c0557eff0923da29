/**
 * The batching of a Pipe's Kafka source, as a pure state machine: records accumulate until the batch
 * holds `batchSize` records, or `batchingWindowSeconds` passed since the first record of the batch, or
 * the next record would push the payload over the 6 MB invocation limit (EventBridge Pipes batching:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html). A window of 0
 * sends whatever is buffered as soon as it is asked.
 */

/** Synchronous invocation payload limit of a Pipe's enrichment / target (6 MB). */
export const PIPE_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** Settings of a {@link PipeBatcher}. */
export interface PipeBatcherOptions {
  /** BatchSize (1–10000). */
  readonly batchSize: number;
  /** MaximumBatchingWindowInSeconds (0–300). */
  readonly batchingWindowSeconds: number;
  /** Payload budget in bytes (default {@link PIPE_PAYLOAD_LIMIT_BYTES}). */
  readonly maxBytes?: number;
}

/** Buffers records and cuts them into Pipe batches. `T` is the buffered item, `size` its payload bytes. */
export class PipeBatcher<T> {
  private readonly items: { item: T; bytes: number }[] = [];
  private firstAtMs: number | null = null;
  private bytes = 2;

  constructor(
    private readonly options: PipeBatcherOptions,
    private readonly sizeOf: (item: T) => number,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10_000) {
      throw new RangeError(`Batch size must be between 1 and 10000, received ${options.batchSize}`);
    }
    if (options.batchingWindowSeconds < 0 || options.batchingWindowSeconds > 300) {
      throw new RangeError(
        `Batching window must be between 0 and 300 seconds, received ${options.batchingWindowSeconds}`,
      );
    }
  }

  /** Buffered item count. */
  get size(): number {
    return this.items.length;
  }

  /** Adds an item received at `nowMs`. */
  add(item: T, nowMs: number): void {
    const bytes = this.sizeOf(item) + 1;
    this.items.push({ item, bytes });
    if (this.firstAtMs === null) this.firstAtMs = nowMs;
  }

  /** When the current batch's window closes (epoch ms), or null when nothing is buffered. */
  deadlineMs(): number | null {
    return this.firstAtMs === null ? null : this.firstAtMs + this.options.batchingWindowSeconds * 1000;
  }

  /**
   * Returns the next batch when one is due at `nowMs` (full by count or bytes, or its window elapsed;
   * `flush` forces whatever is buffered), else null. A single item larger than the budget is still
   * sent alone (the target then fails it, as a Pipe would).
   */
  take(nowMs: number, flush = false): T[] | null {
    if (this.items.length === 0) return null;
    const limit = this.options.maxBytes ?? PIPE_PAYLOAD_LIMIT_BYTES;
    let count = 0;
    let bytes = 2;
    while (count < this.items.length && count < this.options.batchSize) {
      const next = (this.items[count] as { bytes: number }).bytes;
      if (count > 0 && bytes + next > limit) break;
      bytes += next;
      count++;
    }
    const full = count === this.options.batchSize || count < this.items.length;
    const deadline = this.deadlineMs() as number;
    if (!full && !flush && nowMs < deadline) return null;
    const batch = this.items.splice(0, count).map((e) => e.item);
    this.bytes = this.items.reduce((s, e) => s + e.bytes, 2);
    this.firstAtMs = this.items.length > 0 ? nowMs : null;
    return batch;
  }

  /** Buffered payload bytes (diagnostics). */
  get bufferedBytes(): number {
    return this.bytes;
  }
}
