/**
 * Avro values (`npm run bench -- avro`, issue 13): the enrichment's decode + normalize of Glue-framed Avro
 * API Connect events (registry-format.ts: framing, cached schema, avsc decode, JSON form, then
 * normalizeApicEvent) against avsc decoding alone of the same payloads (`Type.fromBuffer`), measured in the
 * same run, interleaved, as a ratio of throughputs (target >= 0.5: decoding and normalizing costs at most
 * twice avsc's decoding alone). Median of several rounds; records/s of both are reported in the note.
 * Also the enrichment bundle per value format (bench/format-bundles.ts; JSON-only <= 250 KB).
 */
import avsc from 'avsc';
import { APIC_AVRO_SCHEMA_TEXT, apicAvroBytes, glueFramed } from '../devkit/apic-avro.js';
import { createApicGenerator } from '../devkit/apic-generator.js';
import { avroLanguage } from '../enrichment/formats/avro.js';
import { glueRegistry } from '../enrichment/formats/registries/glue.js';
import { registryValueFormat } from '../enrichment/formats/registry-format.js';
import { SchemaCache } from '../enrichment/formats/schema-cache.js';
import { normalizeApicEvent } from '../enrichment/normalize.js';
import { formatBundleRows } from './format-bundles.js';
import type { BenchResult } from './run.js';

const EVENTS = 2_000;
const ROUNDS = 9;
const TARGET_RATIO = 0.5;
const SCHEMA_ID = '6f1c0c8e-1111-4a2b-9c3d-123456789abc';

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Runs the Avro decoding benchmark. */
export default async function avroBench(): Promise<BenchResult[]> {
  const events = createApicGenerator({ seed: 7 }).take(EVENTS);
  const payloads = events.map(apicAvroBytes);
  const framed = payloads.map((p) => glueFramed(SCHEMA_ID, p));
  const format = registryValueFormat({
    language: avroLanguage,
    primary: {
      module: glueRegistry,
      client: { fetch: async () => ({ dataFormat: 'AVRO', definition: APIC_AVRO_SCHEMA_TEXT }) },
      cache: new SchemaCache(),
    },
    fallback: 'dlq',
  });
  await format.prepare?.(framed);
  const plain = avsc.Type.forSchema(JSON.parse(APIC_AVRO_SCHEMA_TEXT));
  let sink = 0;
  const baseline = () => {
    for (const p of payloads) sink += plain.fromBuffer(p) === null ? 0 : 1;
  };
  const ours = () => {
    for (const v of framed) {
      const decoded = format.decode(v);
      if (decoded.ok && normalizeApicEvent(decoded.event).ok) sink++;
    }
  };
  for (let i = 0; i < 3; i++) {
    baseline();
    ours();
  }
  const base: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    baseline();
    base.push(performance.now() - t);
    t = performance.now();
    ours();
    full.push(performance.now() - t);
  }
  if (sink === 0) throw new Error('nothing decoded');
  const ratio = median(base) / median(full);
  const perSecond = (ms: number) => Math.round((EVENTS / ms) * 1000);
  return [
    {
      name: 'Avro API Connect events: decode + normalize vs avsc decode alone (throughput ratio)',
      value: Number(ratio.toFixed(2)),
      unit: 'ratio',
      target: `>= ${TARGET_RATIO}`,
      ok: ratio >= TARGET_RATIO,
      note: `${EVENTS} events (${Math.round(payloads.reduce((n, p) => n + p.length, 0) / EVENTS)} B Avro each), median of ${ROUNDS} interleaved rounds: avsc alone ${perSecond(median(base))}/s, decode + normalize ${perSecond(median(full))}/s (min/max ms avsc ${Math.min(...base).toFixed(1)}/${Math.max(...base).toFixed(1)}, ours ${Math.min(...full).toFixed(1)}/${Math.max(...full).toFixed(1)})`,
    },
    ...(await formatBundleRows()),
  ];
}
