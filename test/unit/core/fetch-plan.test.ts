import { describe, expect, it } from 'vitest';
import { type FetchPiece, FetchPlan, type PlannedFetch } from '../../../core/kafka/fetch-plan.js';

interface Rec {
  readonly offset: string;
}

function recs(from: number, to: number, skip: (o: number) => boolean = () => false): Rec[] {
  const out: Rec[] = [];
  for (let o = from; o < to; o++) if (!skip(o)) out.push({ offset: String(o) });
  return out;
}

const range = (from: number, to: number) => recs(from, to).map((r) => Number(r.offset));

function piece(
  start: number,
  end: number,
  extra: { skip?: (o: number) => boolean; from?: number; bytes?: number } = {},
): FetchPiece<Rec> {
  const from = extra.from ?? start;
  return {
    start: BigInt(start),
    end: BigInt(end),
    records: recs(start, end, extra.skip),
    from: BigInt(from),
    bytes: extra.bytes,
    skipped: start - from,
  };
}

const offsets = (rs: readonly Rec[]) => rs.map((r) => Number(r.offset));

/** Plans lane `lane` and issues what it planned (throws when the plan had nothing). */
function issue(plan: FetchPlan<Rec>, lane: number, readableEnd: bigint): PlannedFetch {
  const f = plan.plan(lane, readableEnd);
  if (f === null) throw new Error(`lane ${lane} planned nothing`);
  plan.issued(lane, f);
  return f;
}

/** A plan whose first (size-limited) fetch covered 0..99 at 10 bytes per offset. */
function warmPlan(lanes = 2): FetchPlan<Rec> {
  const plan = new FetchPlan<Rec>(0n, { lanes });
  issue(plan, 0, 1_000n);
  plan.completed(0, piece(0, 100, { bytes: 1_000 }), 1_000n);
  return plan;
}

describe('FetchPlan', () => {
  it('with one lane fetches from the head only, and hands records out in order', () => {
    // Arrange
    const plan = new FetchPlan<Rec>(10n, { lanes: 1 });
    // Act
    const first = issue(plan, 0, 1_000n);
    const out1 = plan.completed(0, piece(10, 110), 1_000n);
    const second = plan.plan(0, 1_000n);
    // Assert
    expect(first).toEqual({ start: 10n, maxBytes: undefined });
    expect(offsets(out1)).toEqual(range(10, 110));
    expect(plan.next).toBe(110n);
    expect(second).toEqual({ start: 110n, maxBytes: undefined });
  });

  it('does not read ahead before a size-limited fetch gave a span estimate', () => {
    // Arrange
    const plan = new FetchPlan<Rec>(0n, { lanes: 2 });
    issue(plan, 0, 1_000n);
    // Act
    const before = plan.plan(1, 1_000n);
    // Assert
    expect(before).toBeNull();
  });

  it('reads ahead at the predicted end of the head fetch; pieces arriving out of order merge in order', () => {
    // Arrange
    const plan = warmPlan();
    // Act: head fetch at 100 on lane 0, read-ahead on lane 1
    const head = issue(plan, 0, 1_000n);
    const ahead = issue(plan, 1, 1_000n);
    const early = plan.completed(1, piece(200, 300), 1_000n); // the read-ahead arrives first
    const held = plan.held;
    const merged = plan.completed(0, piece(100, 200), 1_000n);
    // Assert
    expect(head.start).toBe(100n);
    expect(ahead).toEqual({ start: 200n });
    expect(early).toEqual([]);
    expect(held).toBe(100);
    expect(offsets(merged)).toEqual(range(100, 300));
    expect(plan.next).toBe(300n);
    expect(plan.held).toBe(0);
    expect(plan.stats).toEqual({ fetches: 3, readAheads: 1, overlapRecords: 0, gaps: 0 });
  });

  it('with overlap < 1 starts read-aheads early and hands the overlapping records out once', () => {
    // Arrange
    const plan = new FetchPlan<Rec>(0n, { lanes: 2, overlap: 0.9 });
    issue(plan, 0, 1_000n);
    plan.completed(0, piece(0, 100), 1_000n);
    issue(plan, 0, 1_000n);
    // Act
    const ahead = issue(plan, 1, 1_000n);
    plan.completed(1, piece(190, 290), 1_000n);
    const merged = plan.completed(0, piece(100, 200), 1_000n);
    // Assert
    expect(ahead.start).toBe(190n);
    expect(offsets(merged)).toEqual(range(100, 290));
    expect(plan.stats.overlapRecords).toBe(10);
  });

  it('estimates the span from the first offset a response carried (a read-ahead starting inside a batch)', () => {
    // Arrange: a read-ahead from 200 got the whole batch from 180 and stopped at 290: span 110, not 90
    const plan = warmPlan();
    issue(plan, 0, 1_000n);
    issue(plan, 1, 1_000n);
    plan.completed(0, piece(100, 200), 1_000n);
    plan.completed(1, piece(200, 290, { from: 180, bytes: 1_100 }), 1_000n);
    // Act
    const head = issue(plan, 0, 1_000n);
    const ahead = issue(plan, 1, 1_000n);
    // Assert
    expect(head.start).toBe(290n);
    expect(ahead.start).toBe(400n);
    expect(plan.stats.overlapRecords).toBe(20); // the batch head before 200 was received twice
  });

  it('fills a gap with a fetch limited to the gap’s estimated bytes, so the next piece is not fetched twice', () => {
    // Arrange: read-ahead at 200, but the head fetch stops at 150 (larger records)
    const plan = warmPlan();
    issue(plan, 0, 1_000n);
    issue(plan, 1, 1_000n);
    plan.completed(1, piece(200, 300, { bytes: 1_000 }), 1_000n);
    const out1 = plan.completed(0, piece(100, 150, { bytes: 500 }), 1_000n);
    // Act
    const gap = issue(plan, 0, 1_000n);
    const held = plan.held;
    const heldBytes = plan.heldBytes;
    const out2 = plan.completed(0, piece(150, 200, { bytes: 1_000 }), 1_000n);
    // Assert: 50 offsets at 10 bytes per offset (the last estimate), times 1.1, plus 1 KiB slack
    expect(offsets(out1)).toEqual(range(100, 150));
    expect(gap).toEqual({ start: 150n, maxBytes: Math.ceil(50 * 10 * 1.1) + 1024 });
    expect(held).toBe(100);
    expect(heldBytes).toBe(1_000);
    expect(offsets(out2)).toEqual(range(150, 300));
    expect(plan.stats.gaps).toBe(1);
  });

  it('a byte-limited gap fill does not change the span estimate', () => {
    // Arrange
    const plan = warmPlan();
    issue(plan, 0, 1_000n);
    issue(plan, 1, 1_000n);
    plan.completed(0, piece(100, 150, { bytes: 500 }), 1_000n);
    issue(plan, 0, 1_000n); // gap fill 150..200
    plan.completed(0, piece(150, 160, { bytes: 100 }), 1_000n); // stopped early by its byte limit
    // Act
    const stillGap = issue(plan, 0, 1_000n);
    plan.completed(1, piece(200, 300, { bytes: 1_000 }), 1_000n);
    plan.completed(0, piece(160, 200, { bytes: 400 }), 1_000n);
    const ahead = issue(plan, 0, 1_000n); // head 300 is free: lane 0 takes it
    const next = issue(plan, 1, 1_000n);
    // Assert
    expect(stillGap.start).toBe(160n);
    expect(ahead.start).toBe(300n);
    expect(next.start).toBe(400n); // span still 100 (from the size-limited fetch 200..300)
  });

  it('does not read ahead past the readable end, and stops after an empty read-ahead', () => {
    // Arrange
    const plan = warmPlan();
    issue(plan, 0, 1_000n);
    // Act
    const beyondEnd = plan.plan(1, 150n);
    const within = issue(plan, 1, 1_000n);
    plan.completed(1, piece(200, 200), 1_000n); // nothing readable there (an open transaction)
    plan.completed(0, piece(100, 180), 180n); // reached the readable end: not size-limited
    const afterEmpty = issue(plan, 1, 1_000n);
    // Assert
    expect(beyondEnd).toBeNull();
    expect(within.start).toBe(200n);
    expect(afterEmpty.start).toBe(180n); // the head is free: lane 1 takes it
    expect(plan.plan(0, 1_000n)).toBeNull(); // no span estimate after the empty read-ahead
  });

  it('a failed read-ahead is planned again; a failed head fetch returns the head', () => {
    // Arrange
    const plan = warmPlan();
    issue(plan, 0, 1_000n);
    issue(plan, 1, 1_000n);
    // Act
    plan.failed(1);
    const again = plan.plan(1, 1_000n);
    plan.failed(0);
    const head = plan.plan(0, 1_000n);
    // Assert
    expect(again).toEqual({ start: 200n });
    expect(head).toEqual({ start: 100n, maxBytes: undefined });
  });

  it('skipTo drops what lies before the new start (retention deleted it)', () => {
    // Arrange
    const plan = warmPlan();
    issue(plan, 0, 1_000n);
    issue(plan, 1, 1_000n);
    plan.completed(1, piece(200, 300), 1_000n);
    plan.failed(0);
    // Act
    plan.skipTo(500n);
    // Assert
    expect(plan.next).toBe(500n);
    expect(plan.held).toBe(0);
    expect(plan.plan(0, 1_000n)).toEqual({ start: 500n, maxBytes: undefined });
  });

  it('rejects bad options and bookkeeping errors', () => {
    expect(() => new FetchPlan<Rec>(0n, { lanes: 0 })).toThrow('lanes must be an integer >= 1');
    expect(() => new FetchPlan<Rec>(0n, { lanes: 2, overlap: 0 })).toThrow('overlap must be > 0');
    const plan = new FetchPlan<Rec>(0n, { lanes: 2 });
    expect(() => plan.plan(2, 10n)).toThrow('lane 2 out of range 0..1');
    plan.issued(0, { start: 0n });
    expect(() => plan.issued(0, { start: 5n })).toThrow('already has a fetch in flight');
    expect(() => plan.completed(1, piece(0, 1), 10n)).toThrow('did not issue');
  });

  it.each([
    { lanes: 1, overlap: 1 },
    { lanes: 2, overlap: 1 },
    { lanes: 2, overlap: 0.9 },
    { lanes: 3, overlap: 1 },
  ])(
    'simulated log (offset gaps, control records, variable batches and record sizes, failures, random completion order): every visible record once, in order ($lanes lanes, overlap $overlap)',
    ({ lanes, overlap }) => {
      // Arrange: 20,000 offsets in batches of 1–60; compaction removed some offsets, some are control records
      let seed = 42 + lanes;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const END = 20_000;
      const removed = new Set<number>();
      const control = new Set<number>();
      const size: number[] = [];
      for (let o = 0; o < END; o++) {
        const r = random();
        if (r < 0.05) removed.add(o);
        else if (r < 0.06) control.add(o);
        size.push(o < END / 2 ? 100 + Math.floor(random() * 50) : 50 + Math.floor(random() * 400));
      }
      const batchStarts: number[] = [];
      for (let o = 0; o < END; o += 1 + Math.floor(random() * 60)) batchStarts.push(o);
      const batchOf = (o: number) => {
        let lo = 0;
        let hi = batchStarts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if ((batchStarts[mid] as number) <= o) lo = mid;
          else hi = mid - 1;
        }
        return lo;
      };
      const bytesOf = (a: number, b: number) => {
        let n = 0;
        for (let o = a; o < b; o++) if (!removed.has(o)) n += size[o] as number;
        return n;
      };
      // A fetch returns whole batches from the one holding `start` while they fit the limit (always one).
      const DEFAULT_MAX_BYTES = 50_000;
      const fetch = ({ start, maxBytes }: PlannedFetch): FetchPiece<Rec> => {
        const s = Number(start);
        if (s >= END) return piece(s, s);
        let b = batchOf(s);
        const from = batchStarts[b] as number;
        let end = from;
        let budget = maxBytes ?? DEFAULT_MAX_BYTES;
        do {
          const bEnd = batchStarts[b + 1] ?? END;
          const cost = bytesOf(batchStarts[b] as number, bEnd);
          if (end > from && cost > budget) break;
          budget -= cost;
          end = bEnd;
          b++;
        } while (b < batchStarts.length);
        return piece(s, end, {
          skip: (o) => removed.has(o) || control.has(o),
          from,
          bytes: bytesOf(from, end),
        });
      };
      const plan = new FetchPlan<Rec>(0n, { lanes, overlap });
      const inflight: { lane: number; f: PlannedFetch }[] = [];
      const out: number[] = [];
      // Act
      for (let steps = 0; plan.next < BigInt(END) && steps < 100_000; steps++) {
        for (let lane = 0; lane < lanes; lane++) {
          if (inflight.some((x) => x.lane === lane)) continue;
          const f = plan.plan(lane, BigInt(END));
          if (f === null) continue;
          plan.issued(lane, f);
          inflight.push({ lane, f });
        }
        const [x] = inflight.splice(Math.floor(random() * inflight.length), 1);
        if (!x) break;
        if (random() < 0.02) {
          plan.failed(x.lane);
          continue;
        }
        out.push(...offsets(plan.completed(x.lane, fetch(x.f), BigInt(END))));
      }
      // Assert
      const expected = recs(0, END, (o) => removed.has(o) || control.has(o)).map((r) => Number(r.offset));
      expect(out).toEqual(expected);
      const stats = plan.stats;
      if (lanes > 1) {
        expect(stats.readAheads).toBeGreaterThan(stats.fetches / 4);
        // Received twice: well under a fifth of the log even with record sizes changing 4x mid-way.
        expect(stats.overlapRecords).toBeLessThan(END / 5);
      } else {
        expect(stats).toMatchObject({ readAheads: 0, overlapRecords: 0, gaps: 0 });
      }
      console.info(`${lanes} lanes, overlap ${overlap}: ${JSON.stringify(stats)}`);
    },
  );
});
