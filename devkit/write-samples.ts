/**
 * The sample records shipped in `enrichment/samples/` (what `kafka-pipes rules preview` reads when no
 * `--records` is given), made by the API Connect generator so they are reproducible:
 *
 * - `apic-events.ndjson`: API Connect API event records, one JSON object per line — normal calls
 *   ("200 OK") and the generator's anomalies ("404", "500": slow, large);
 * - `poison.ndjson`: records a Pipe must not stall on, as the Pipe delivers them (Kafka records with base64
 *   values, one per line): not JSON, not UTF-8, a wrong field type, a JSON array, a tombstone, bad base64.
 *
 * `npx tsx devkit/write-samples.ts` writes the files; test/unit/enrichment/samples.test.ts checks that the
 * committed files are exactly what this produces.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SAMPLES_DIR } from '../cli/rules/preview.js';
import { buildPipeKafkaRecord, KAFKA_EVENT_SOURCE } from '../enrichment/index.js';
import { type ApicEvent, createApicGenerator } from './apic-generator.js';

/** How many events of each status `apic-events.ndjson` holds. */
const PER_STATUS: Readonly<Record<ApicEvent['status_code'], number>> = { '200 OK': 8, '404': 2, '500': 2 };

/** The first events of each status from a fixed seed, in generation order. */
function apicEvents(): ApicEvent[] {
  const gen = createApicGenerator({ seed: 'enrichment-samples', anomalyRate: 0.25 });
  const left: Record<string, number> = { ...PER_STATUS };
  const events: ApicEvent[] = [];
  while (Object.values(left).some((n) => n > 0)) {
    const event = gen.next();
    if ((left[event.status_code] ?? 0) > 0) {
      left[event.status_code] = (left[event.status_code] ?? 0) - 1;
      events.push(event);
    }
  }
  return events;
}

/** Poison records as the Pipe delivers them, each with the value that makes it poison. */
function poisonRecords(event: ApicEvent): unknown[] {
  const values: (string | Buffer | null)[] = [
    `status=500 app=${event.app_name} (not json)`,
    Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
    JSON.stringify({ ...event, status_code: { unexpected: true }, time_to_serve_request: 'slow' }),
    JSON.stringify([event.transaction_id]),
    null,
  ];
  const records: Record<string, unknown>[] = values.map(
    (value, offset) =>
      buildPipeKafkaRecord({
        eventSource: KAFKA_EVENT_SOURCE.selfManaged,
        cluster: 'kafka-1.example.com:9093',
        topic: 'apic-events',
        partition: 0,
        offset: String(offset),
        timestamp: Date.parse('2025-01-01T00:00:00.000Z') + offset,
        key: `poison-${offset}`,
        value,
      }) as unknown as Record<string, unknown>,
  );
  // A value that is not base64 at all (the transport encoding of Pipes).
  records.push({ ...records[0], offset: values.length, value: '%%% not base64 %%%' });
  return records;
}

/** The sample files: name → NDJSON text. */
export function buildSamples(): Record<string, string> {
  const events = apicEvents();
  const ndjson = (items: readonly unknown[]) => `${items.map((i) => JSON.stringify(i)).join('\n')}\n`;
  return {
    'apic-events.ndjson': ndjson(events),
    'poison.ndjson': ndjson(poisonRecords(events[0] as ApicEvent)),
  };
}

if (process.argv[1]?.endsWith('write-samples.ts')) {
  for (const [name, text] of Object.entries(buildSamples()))
    writeFileSync(join(DEFAULT_SAMPLES_DIR, name), text);
}
