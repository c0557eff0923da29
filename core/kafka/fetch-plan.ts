/**
 * Read-ahead plan of the partition reader (pure, no I/O; partition-fetcher.ts drives it with real fetches).
 *
 * A Kafka broker serves the requests of one connection one at a time and encrypts a TLS response on one
 * network thread. With one fetch in flight the broker idles while the client receives and decodes a
 * response, and one partition's throughput is bounded by that one thread. The reader therefore fetches
 * on `lanes` connections at once:
 * - the HEAD fetch asks for `next`, the first offset not yet handed out;
 * - READ-AHEAD fetches ask for where the fetches before them should end, estimated from the offset span
 *   of the last size-limited fetch (times `overlap`);
 * - pieces arrive in any order; the plan hands records out strictly in offset order and drops what
 *   overlaps (a record is handed out once). When a piece ends before the next one starts, the gap becomes
 *   the head again and is fetched with a byte limit sized to the gap (from the bytes per offset seen so
 *   far), so filling it does not fetch the next piece a second time.
 * Read-ahead stops at the readable end of the partition (the last stable offset under READ_COMMITTED):
 * at the tail only the head fetch runs, as a long poll.
 */

/** What one fetch returned. */
export interface FetchPiece<R> {
  /** The offset the fetch asked for. */
  readonly start: bigint;
  /**
   * One past the last offset the response covered (control records and a batch's compacted tail
   * included); equals `start` when the response held nothing at or after `start`.
   */
  readonly end: bigint;
  /** Visible records with `start <= offset < end`, in offset order. */
  readonly records: readonly R[];
  /**
   * First offset the response carried (the base offset of its first batch, at or before `start`: a fetch
   * from the middle of a batch returns the whole batch). Defaults to `start`.
   */
  readonly from?: bigint;
  /** Approximate bytes the response carried (records, headers and batch overhead), for sizing gap fills. */
  readonly bytes?: number;
  /** Records the response carried before `start` (the head of its first batch), received for nothing. */
  readonly skipped?: number;
}

/** A fetch the plan asks for. */
export interface PlannedFetch {
  readonly start: bigint;
  /** Byte limit for a gap fill (the gap's estimated size); undefined = the reader's default. */
  readonly maxBytes?: number;
}

/** Options of {@link FetchPlan}. */
export interface FetchPlanOptions {
  /** Fetches in flight at once (connections); 1 = no read-ahead. */
  readonly lanes: number;
  /**
   * Where a read-ahead starts, as a fraction of the estimated span of the fetch before it (default 1: at
   * the predicted end). Lower trades transfer spent on overlaps for fewer gaps; a gap costs one small,
   * byte-limited fetch on the head.
   */
  readonly overlap?: number;
}

const DEFAULT_OVERLAP = 1;
/** Gap fills ask for the gap's estimated bytes times this, plus {@link GAP_SLACK_BYTES}. */
const GAP_BYTES_FACTOR = 1.1;
const GAP_SLACK_BYTES = 1024;

/** Counters of a plan, for logs and tests. */
export interface FetchPlanStats {
  /** Fetches completed. */
  readonly fetches: number;
  /** Fetches issued for an offset beyond the head (read-ahead). */
  readonly readAheads: number;
  /** Records received twice (overlapping pieces, the head of a batch a read-ahead started in) and dropped. */
  readonly overlapRecords: number;
  /** Gaps between pieces that had to be fetched again from the head. */
  readonly gaps: number;
}

export class FetchPlan<R extends { readonly offset: string }> {
  #next: bigint;
  readonly #lanes: number;
  readonly #overlap: number;
  /** lane → its fetch in flight. */
  readonly #inflight = new Map<number, PlannedFetch>();
  /** Completed pieces that start beyond `next`, sorted by start. */
  #pieces: FetchPiece<R>[] = [];
  /** Offset span of the last size-limited fetch; null until one was seen (no read-ahead before). */
  #span: bigint | null = null;
  /** Bytes per offset of the last fetch that reported bytes; null until one did. */
  #bytesPerOffset: number | null = null;
  #stats = { fetches: 0, readAheads: 0, overlapRecords: 0, gaps: 0 };

  constructor(start: bigint, opts: FetchPlanOptions) {
    if (!Number.isInteger(opts.lanes) || opts.lanes < 1) {
      throw new RangeError(`FetchPlan lanes must be an integer >= 1, got ${opts.lanes}`);
    }
    const overlap = opts.overlap ?? DEFAULT_OVERLAP;
    if (!(overlap > 0)) throw new RangeError(`FetchPlan overlap must be > 0, got ${overlap}`);
    this.#next = start;
    this.#lanes = opts.lanes;
    this.#overlap = overlap;
  }

  /** The first offset not yet handed out (every offset below was handed out or is not readable). */
  get next(): bigint {
    return this.#next;
  }

  /** Records received but held back until the gap before them is filled (they count toward prefetch). */
  get held(): number {
    let n = 0;
    for (const p of this.#pieces) n += p.records.length;
    return n;
  }

  /** Approximate bytes of the held pieces (their reported `bytes`). */
  get heldBytes(): number {
    let n = 0;
    for (const p of this.#pieces) n += p.bytes ?? 0;
    return n;
  }

  get stats(): FetchPlanStats {
    return { ...this.#stats };
  }

  /** Whether some fetch in flight starts at or before `next` (it will cover the head). */
  #headCovered(): boolean {
    for (const f of this.#inflight.values()) if (f.start <= this.#next) return true;
    return false;
  }

  /**
   * What free `lane` should fetch, or null when nothing is worth fetching now (call again after any fetch
   * completes or fails). `readableEnd` is the offset up to which records exist (exclusive).
   */
  plan(lane: number, readableEnd: bigint): PlannedFetch | null {
    this.#checkLane(lane);
    if (this.#inflight.has(lane)) throw new Error(`FetchPlan: lane ${lane} already has a fetch in flight`);
    if (!this.#headCovered()) return { start: this.#next, maxBytes: this.#gapBytes() };
    if (this.#span === null) return null;
    const stride = BigInt(Math.max(1, Math.floor(Number(this.#span) * this.#overlap)));
    let frontier = this.#next;
    for (const p of this.#pieces) if (p.end > frontier) frontier = p.end;
    for (const f of this.#inflight.values()) if (f.start + stride > frontier) frontier = f.start + stride;
    return frontier < readableEnd ? { start: frontier } : null;
  }

  /** Byte limit of a head fetch that fills a gap before a piece (received or in flight), if any. */
  #gapBytes(): number | undefined {
    if (this.#bytesPerOffset === null) return undefined;
    let ahead: bigint | null = this.#pieces[0]?.start ?? null;
    for (const f of this.#inflight.values()) {
      if (f.start > this.#next && (ahead === null || f.start < ahead)) ahead = f.start;
    }
    if (ahead === null) return undefined;
    return Math.ceil(Number(ahead - this.#next) * this.#bytesPerOffset * GAP_BYTES_FACTOR) + GAP_SLACK_BYTES;
  }

  /** Records that `lane` sends `fetch` now (what {@link plan} returned). */
  issued(lane: number, fetch: PlannedFetch): void {
    this.#checkLane(lane);
    if (this.#inflight.has(lane)) throw new Error(`FetchPlan: lane ${lane} already has a fetch in flight`);
    if (fetch.start > this.#next) this.#stats.readAheads++;
    else if (fetch.maxBytes !== undefined) this.#stats.gaps++;
    this.#inflight.set(lane, fetch);
  }

  /** The fetch of `lane` failed; its range is planned again. */
  failed(lane: number): void {
    this.#inflight.delete(lane);
  }

  /**
   * The fetch of `lane` returned `piece`; `readableEnd` is the readable end the response reported.
   * Returns the records that are now contiguous from the previous `next`, in order (possibly none).
   */
  completed(lane: number, piece: FetchPiece<R>, readableEnd: bigint): R[] {
    const fetch = this.#inflight.get(lane);
    if (fetch?.start !== piece.start) {
      throw new Error(`FetchPlan: lane ${lane} completed a fetch of ${piece.start} it did not issue`);
    }
    this.#inflight.delete(lane);
    this.#stats.fetches++;
    if (piece.end > piece.start) {
      const from = piece.from !== undefined && piece.from < piece.start ? piece.from : piece.start;
      if (piece.bytes !== undefined && piece.bytes > 0) {
        this.#bytesPerOffset = piece.bytes / Number(piece.end - from);
      }
      // Size-limited (stopped before the readable end): its span, counted from the first offset it
      // carried, estimates where a fetch ends. A byte-limited gap fill says nothing about that.
      if (piece.end < readableEnd && fetch.maxBytes === undefined) this.#span = piece.end - from;
      this.#stats.overlapRecords += piece.skipped ?? 0;
      if (piece.end > this.#next) this.#insert(piece);
      else this.#stats.overlapRecords += piece.records.length;
    } else if (piece.start > this.#next) {
      // Nothing readable there yet: stop reading ahead until a size-limited fetch gives a new estimate.
      this.#span = null;
    }
    return this.#merge();
  }

  /** Skips to `offset` (the head fell below the log start): drops what lies before it. */
  skipTo(offset: bigint): void {
    if (offset <= this.#next) return;
    this.#next = offset;
    this.#pieces = this.#pieces.filter((p) => p.end > offset);
  }

  #insert(piece: FetchPiece<R>): void {
    let i = this.#pieces.length;
    while (i > 0 && (this.#pieces[i - 1] as FetchPiece<R>).start > piece.start) i--;
    this.#pieces.splice(i, 0, piece);
  }

  #merge(): R[] {
    const out: R[] = [];
    for (;;) {
      const p = this.#pieces[0];
      if (!p || p.start > this.#next) break;
      this.#pieces.shift();
      if (p.end <= this.#next) {
        this.#stats.overlapRecords += p.records.length;
        continue;
      }
      for (const r of p.records) {
        if (BigInt(r.offset) >= this.#next) out.push(r);
        else this.#stats.overlapRecords++;
      }
      this.#next = p.end;
    }
    return out;
  }

  #checkLane(lane: number): void {
    if (!Number.isInteger(lane) || lane < 0 || lane >= this.#lanes) {
      throw new RangeError(`FetchPlan: lane ${lane} out of range 0..${this.#lanes - 1}`);
    }
  }
}
