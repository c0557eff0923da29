/**
 * Benchmark runner (`npm run bench`): imports every `bench/*.bench.ts` module, calls its default export
 * (`async () => BenchResult[]`) and prints one table. `npm run bench -- enrichment` runs only modules
 * whose file name contains "enrichment". Results are also written to bench/results/latest.json (ignored
 * by git). Speed and size targets live here, never in timed tests.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One measured number. */
export interface BenchResult {
  /** What was measured, e.g. `enrichment records/s (default rules, 3.5 KB)`. */
  readonly name: string;
  readonly value: number;
  /** Unit of `value`, e.g. `records/s`, `KB`, `ms`, `ratio`. */
  readonly unit: string;
  /** Target, as text (e.g. `>= 0.5`, `<= 250`). */
  readonly target?: string;
  /** Whether the target is met (absent when there is no target). */
  readonly ok?: boolean;
  /** Free-form note (configuration, sample size). */
  readonly note?: string;
}

/** What a bench module exports by default. */
export type BenchModule = { default: () => Promise<readonly BenchResult[]> };

const dir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (filter === undefined || f.includes(filter)))
  .sort();
if (modules.length === 0) {
  const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts'));
  console.error(
    `[bench] no bench module matches "${filter}"; available: ${all.map((f) => f.replace('.bench.ts', '')).join(', ')}`,
  );
  process.exit(2);
}

const rows: (BenchResult & { module: string })[] = [];
let failed = 0;
for (const file of modules) {
  const started = Date.now();
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as BenchModule;
    for (const r of await mod.default()) rows.push({ ...r, module: file.replace('.bench.ts', '') });
    console.error(`[bench] ${file} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    failed++;
    console.error(
      `[bench] ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
  }
}

const fmt = (v: number) =>
  Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 3 });
const table = rows.map((r) => ({
  module: r.module,
  measure: r.name,
  value: `${fmt(r.value)} ${r.unit}`,
  target: r.target ?? '',
  ok: r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
  note: r.note ?? '',
}));
console.table(table);
mkdirSync(join(dir, 'results'), { recursive: true });
writeFileSync(
  join(dir, 'results', 'latest.json'),
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
);
if (failed > 0) process.exitCode = 1;
