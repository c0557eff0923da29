/**
 * The partition reader's background fetches (partition-session.ts hands their records out).
 *
 * One fetch loop per lane, each lane on its own connection (fetch-lanes.ts; lane 0 on the session's head
 * connection): lane 0 starts at the head; the others read ahead once a size-limited fetch gave the plan (fetch-plan.ts) an estimate, up to `prefetchRecords` records
 * or `prefetchBytes` bytes ahead of the caller, so network, broker and processing overlap. Records reach the
 * buffer strictly in offset order, each once. Only failures of head fetches count toward giving up: a failed
 * read-ahead is planned again (or its range fetched from the head). A broker restart or leader move is
 * ridden out with a metadata refresh and backoff, up to READER_FETCH_FAILURES_MAX head failures in a row.
 */
import { NonRetriableError } from '../errors.js';
import { backoffMs, isOffsetOutOfRange, sleep } from './failures.js';
import type { FetchLanes } from './fetch-lanes.js';
import { FetchPlan, type FetchPlanStats, type PlannedFetch } from './fetch-plan.js';
import { disconnectQuietly, type InternalCluster } from './internals.js';
import { type FetchedRecords, fetchFromLeader } from './leader-fetch.js';
import { readPartitionWatermarks } from './offsets.js';
import { type PartitionRecord, partitionRecordBytes } from './records.js';

/** Consecutive head-fetch failures (≈ 2 s backoff each) before the reader gives up (rides out a broker restart). */
const READER_FETCH_FAILURES_MAX = 15;

/** What the fetcher reads and how much it may hold. */
export interface FetcherSettings {
  readonly topic: string;
  readonly partition: number;
  readonly fetchMaxWaitMs: number;
  readonly maxBytesPerFetch: number;
  readonly prefetchRecords: number;
  readonly prefetchBytes: number;
  readonly lanes: number;
  /** The most records the caller will take: no fetch starts for records beyond them (while any are buffered). */
  readonly readLimit: number;
}

/**
 * Counters of a partition session: the fetch plan's, the most bytes it buffered ahead of the caller, and
 * the records fetches brought (those never handed out were read ahead in vain).
 */
export interface ReaderStats extends FetchPlanStats {
  readonly peakBufferedBytes: number;
  readonly receivedRecords: number;
}

export class PartitionFetcher {
  readonly #plan: FetchPlan<PartitionRecord>;
  #latestHigh: bigint;
  /**
   * End of what READ_COMMITTED can read: the last stable offset of the latest fetch response (below the
   * high watermark while a transaction is open), the open's high watermark until a fetch reports one.
   */
  #readableEnd: bigint;
  readonly #buffer: PartitionRecord[] = [];
  #bufferedBytes = 0;
  #peakBufferedBytes = 0;
  /** Records handed to the caller so far. */
  #taken = 0;
  /** Records fetches brought (overlaps included). */
  #received = 0;
  #crash: Error | null = null;
  /** A fetch failed (or the reader crashed): the connections are not given back for reuse. */
  #faulted = false;
  #closed = false;
  #loops: Promise<void>[] | null = null;
  #wakeReader: (() => void) | null = null;
  readonly #fetcherWaits = new Set<() => void>();

  constructor(
    /** The fetch lanes' connections (fetch-lanes.ts). */
    private readonly lanes: FetchLanes,
    private readonly head: InternalCluster,
    private readonly settings: FetcherSettings,
    start: bigint,
    highWatermark: bigint,
  ) {
    this.#plan = new FetchPlan<PartitionRecord>(start, { lanes: settings.lanes });
    this.#latestHigh = highWatermark;
    this.#readableEnd = highWatermark;
  }

  get started(): boolean {
    return this.#loops !== null;
  }
  get closed(): boolean {
    return this.#closed;
  }
  get crash(): Error | null {
    return this.#crash;
  }
  /** True once a fetch failed or the reader crashed. */
  get faulted(): boolean {
    return this.#faulted || this.#crash !== null;
  }
  get buffered(): number {
    return this.#buffer.length;
  }
  /** Whether the head is below the readable end (records exist that were not handed out). */
  get behind(): boolean {
    return this.#plan.next < this.#readableEnd;
  }
  get latestHigh(): bigint {
    return this.#latestHigh;
  }
  /** Why a poll that waited in vain expected records. */
  behindBy(): string {
    return `although offset ${this.#plan.next} < readable end ${this.#readableEnd}`;
  }
  /** Offset of the next record to hand out. */
  nextOffset(): string {
    return this.#buffer[0] ? this.#buffer[0].offset : this.#plan.next.toString();
  }
  stats(): ReaderStats {
    return {
      ...this.#plan.stats,
      peakBufferedBytes: this.#peakBufferedBytes,
      receivedRecords: this.#received,
    };
  }

  /** Starts the fetch loops (once). */
  start(): void {
    this.#loops ??= Array.from({ length: this.settings.lanes }, (_, lane) => this.#laneLoop(lane));
  }

  /** Marks the connections unfit for reuse (a request on them failed outside the fetch loops). */
  taint(): void {
    this.#faulted = true;
  }

  /** Records the reader as failed (the next poll reports it). */
  fail(error: Error): void {
    this.#crash = error;
  }

  /** Takes up to `max` records from the buffer, in offset order. */
  take(max: number): PartitionRecord[] {
    const out = this.#buffer.splice(0, max);
    this.#taken += out.length;
    for (const r of out) this.#bufferedBytes -= partitionRecordBytes(r);
    if (out.length > 0) this.#signalFetchers();
    return out;
  }

  /** Resolves when a fetch delivered records or the reader crashed, or after `ms`. */
  async waitForRecords(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wakeReader = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wakeReader = null;
  }

  /** Stops the loops and disconnects every lane; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.lanes.keep) throw new NonRetriableError('a fetcher on kept connections is stopped with stop()');
    this.#closed = true;
    this.#signalFetchers();
    this.#signalReader();
    // Disconnect first: it ends an in-flight long-poll fetch (up to fetchMaxWaitMs) instead of waiting for it.
    await Promise.all([disconnectQuietly(this.head), this.lanes.close()]);
    await Promise.all((this.#loops ?? []).map((l) => l.catch(() => undefined)));
  }

  /**
   * Stops the loops without disconnecting (kept connections); resolves once the last fetch in flight
   * returned (at most the fetch's max wait), with whether the connections are fit for reuse.
   */
  stop(): Promise<boolean> {
    this.#closed = true;
    this.lanes.stop();
    this.#signalFetchers();
    this.#signalReader();
    return Promise.all((this.#loops ?? []).map((l) => l.catch(() => undefined))).then(() => !this.faulted);
  }

  async #laneLoop(lane: number): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      const fetch = this.#nextFetch(lane);
      if (fetch === null) {
        await new Promise<void>((resolve) => this.#fetcherWaits.add(resolve));
        continue;
      }
      this.#plan.issued(lane, fetch);
      let fetched: FetchedRecords | null;
      try {
        fetched = await fetchFromLeader(await this.lanes.cluster(lane), this.#leaderFetch(fetch));
      } catch (error) {
        this.#faulted = true;
        this.#plan.failed(lane);
        this.#signalFetchers();
        if (this.#closed) return;
        const atHead = fetch.start <= this.#plan.next;
        if (atHead && isOffsetOutOfRange(error) && (await this.#skipPastRetention())) continue;
        failures++;
        if (atHead && failures > READER_FETCH_FAILURES_MAX) {
          this.#crash = error as Error;
          this.#signalReader();
          return;
        }
        // Broker restart, leader move, connection reset: refresh metadata and retry with backoff.
        await sleep(backoffMs(failures));
        await this.lanes.refresh(lane);
        continue;
      }
      failures = 0;
      if (this.#closed) return;
      if (fetched) this.#accept(lane, fetch, fetched);
      else this.#plan.failed(lane);
    }
  }

  /**
   * What `lane` should fetch now, or null. The head (what the caller needs next) waits only for the caller
   * to drain the buffer; a read-ahead also counts the pieces held back behind a gap, which only the head
   * can release, so they never block it. Neither fetches records beyond the caller's read limit while some
   * are buffered (a caller that polls past its limit still gets records, without read-ahead).
   */
  #nextFetch(lane: number): PlannedFetch | null {
    const planned = this.#plan.plan(lane, this.#readableEnd);
    if (planned === null) return null;
    const { prefetchRecords, prefetchBytes, readLimit } = this.settings;
    const buffered = this.#buffer.length;
    const mayFetch =
      planned.start <= this.#plan.next
        ? buffered < prefetchRecords &&
          this.#bufferedBytes < prefetchBytes &&
          (buffered === 0 || this.#taken + buffered < readLimit)
        : buffered + this.#plan.held < prefetchRecords &&
          this.#bufferedBytes + this.#plan.heldBytes < prefetchBytes &&
          this.#taken + buffered + this.#plan.held < readLimit;
    return mayFetch ? planned : null;
  }

  #leaderFetch({ start, maxBytes: limit }: PlannedFetch) {
    const { topic, partition, fetchMaxWaitMs, maxBytesPerFetch } = this.settings;
    return {
      topic,
      partition,
      start,
      maxWaitMs: fetchMaxWaitMs,
      maxBytes: maxBytesPerFetch,
      partitionMaxBytes: Math.min(limit ?? maxBytesPerFetch, maxBytesPerFetch),
    };
  }

  /** Retention deleted what the head was about to read: continue from the new low watermark, if it moved. */
  async #skipPastRetention(): Promise<boolean> {
    const { topic, partition } = this.settings;
    const low = await readPartitionWatermarks(this.head, topic, partition).then(
      (w) => w.low,
      () => null,
    );
    if (low === null || low <= this.#plan.next) return false;
    this.#plan.skipTo(low);
    return true;
  }

  /** Hands a fetched piece to the plan and buffers the records that are now in order. */
  #accept(lane: number, fetch: PlannedFetch, fetched: FetchedRecords): void {
    this.#received += fetched.records.length;
    if (fetched.highWatermark > this.#latestHigh) this.#latestHigh = fetched.highWatermark;
    this.#readableEnd = fetched.readableEnd;
    const ready = this.#plan.completed(lane, { ...fetched, start: fetch.start }, fetched.readableEnd);
    for (const r of ready) {
      this.#buffer.push(r);
      this.#bufferedBytes += partitionRecordBytes(r);
    }
    const held = this.#bufferedBytes + this.#plan.heldBytes;
    if (held > this.#peakBufferedBytes) this.#peakBufferedBytes = held;
    if (ready.length > 0) this.#signalReader();
    this.#signalFetchers();
  }

  #signalReader(): void {
    const w = this.#wakeReader;
    this.#wakeReader = null;
    w?.();
  }

  #signalFetchers(): void {
    const waiting = [...this.#fetcherWaits];
    this.#fetcherWaits.clear();
    for (const w of waiting) w();
  }
}
