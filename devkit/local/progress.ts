/**
 * Live progress of a local run: one row per source (produced, consumed, delivered, in DLQ, lag). On a
 * TTY the table is redrawn in place; otherwise one plain line per source is printed periodically.
 * Formatting is pure (unit-tested); the printer writes to a stream (stderr by default).
 */

/** One source's live numbers. */
export interface ProgressRow {
  readonly source: string;
  readonly engine: string;
  readonly produced: number;
  readonly consumed: number;
  readonly filtered: number;
  readonly delivered: number;
  readonly dlq: number;
  /** Consumer-group lag summed over partitions, or null when unknown. */
  readonly lag: number | null;
  readonly retries: number;
}

const COLUMNS = [
  'source',
  'engine',
  'produced',
  'consumed',
  'filtered',
  'delivered',
  'dlq',
  'lag',
  'retries',
] as const;

function cell(row: ProgressRow, c: (typeof COLUMNS)[number]): string {
  const v = row[c];
  return v === null ? '-' : String(v);
}

/**
 * Renders the rows as an aligned table (header + one line per source).
 * @example formatProgressTable([{source: 'a', engine: 'pipe', produced: 1, consumed: 1, filtered: 0, delivered: 1, dlq: 0, lag: 0, retries: 0}])
 */
export function formatProgressTable(rows: readonly ProgressRow[]): string[] {
  const widths = COLUMNS.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i < 2 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number)))
      .join('  ');
  return [line(COLUMNS), ...rows.map((r) => line(COLUMNS.map((c) => cell(r, c))))];
}

/** Renders one plain progress line for a source (non-TTY output). */
export function formatProgressLine(elapsedSeconds: number, row: ProgressRow): string {
  return `[${elapsedSeconds.toFixed(0).padStart(4)}s] ${row.source} (${row.engine}): produced ${row.produced}, consumed ${row.consumed}, filtered ${row.filtered}, delivered ${row.delivered}, dlq ${row.dlq}, lag ${row.lag ?? '-'}, retries ${row.retries}`;
}

/** Prints progress periodically. */
export function startProgressPrinter(opts: {
  rows: () => ProgressRow[];
  out?: NodeJS.WriteStream;
  tty?: boolean;
  intervalMs?: number;
}): { stop(): void; print(): void } {
  const out = opts.out ?? process.stderr;
  const tty = opts.tty ?? out.isTTY === true;
  const started = Date.now();
  let drawn = 0;
  const print = () => {
    const rows = opts.rows();
    if (tty) {
      const lines = formatProgressTable(rows);
      if (drawn > 0) out.write(`\x1b[${drawn}A`);
      for (const l of lines) out.write(`\x1b[2K${l}\n`);
      drawn = lines.length;
    } else {
      const elapsed = (Date.now() - started) / 1000;
      for (const r of rows) out.write(`${formatProgressLine(elapsed, r)}\n`);
    }
  };
  const timer = setInterval(print, opts.intervalMs ?? (tty ? 500 : 5_000));
  timer.unref();
  return {
    print,
    stop: () => clearInterval(timer),
  };
}
