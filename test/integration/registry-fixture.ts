/**
 * Shared steps of the registry-framed format tests (not a test file): producing values with their JSON
 * twins to partition 0, the Pipe event of the same records, and the enrichment handler of a source's
 * value format (as the Lambda's handler wires it).
 */
import type { KafkaConnection } from '../../core/kafka/client.js';
import { produceMessages } from '../../devkit/testbed/kafka.js';
import { createEnrichmentHandler } from '../../enrichment/create-handler.js';
import {
  createRecordFormats,
  type FormatSettings,
  type ValueFormatName,
} from '../../enrichment/formats/registry.js';
import type { RegistryDeps } from '../../enrichment/formats/schema-types.js';
import { buildPipeKafkaRecord, DEFAULT_RULES, type DlqEntry } from '../../enrichment/index.js';
import { createRulesLoader } from '../../enrichment/rules-loader.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { SILENT } from './poller-fixture.js';

/** A value to produce, and the JSON twin whose canonical record it must give (none for a bad value). */
export interface TwinnedValue {
  readonly value: Buffer;
  readonly twin?: object;
}

/** A produced value with its offset, timestamp and key. */
export interface ProducedValue extends TwinnedValue {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: string;
}

/** Produces the values to partition 0 in order (keys `k-<i mod 5>`). */
export async function produceValues(
  conn: KafkaConnection,
  topic: string,
  values: readonly TwinnedValue[],
): Promise<ProducedValue[]> {
  const messages = values.map((v, i) => ({
    partition: 0,
    key: `k-${i % 5}`,
    value: v.value,
    timestamp: String(1_735_689_600_000 + i),
  }));
  const offsets = await produceMessages(conn, topic, messages);
  const base = BigInt(offsets[0]?.baseOffset ?? '0');
  return values.map((v, i) => ({
    ...v,
    offset: (base + BigInt(i)).toString(),
    timestamp: messages[i]?.timestamp as string,
    key: messages[i]?.key as string,
  }));
}

/** The Pipe event of the produced records; with `twins`, of the JSON twins of the good ones instead. */
export function pipeEventOf(config: PollerRuntimeConfig, produced: readonly ProducedValue[], twins: boolean) {
  return produced
    .filter((p) => !twins || p.twin)
    .map((p) =>
      buildPipeKafkaRecord({
        eventSource: config.eventSource,
        cluster: config.cluster,
        topic: config.topic,
        partition: 0,
        offset: p.offset,
        timestamp: p.timestamp,
        key: Buffer.from(p.key),
        value: twins ? Buffer.from(JSON.stringify(p.twin)) : p.value,
      }),
    );
}

/** The enrichment handler of a source in `value`'s format; DLQ entries are collected in `sent`. */
export async function formatHandler(
  config: PollerRuntimeConfig,
  value: FormatSettings<ValueFormatName>,
  deps: RegistryDeps,
  sent: DlqEntry[],
) {
  const rules = await createRulesLoader({ bundled: DEFAULT_RULES, logger: SILENT });
  return createEnrichmentHandler({
    sourceName: config.sourceName,
    partitionKey: { type: 'record-key' },
    formats: createRecordFormats(value, { format: 'text' }, deps),
    rules,
    dlq: { send: async (entries) => void sent.push(...entries) },
    logger: SILENT,
    metrics: { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} },
  });
}

/** The reason codes of DLQ entries (the text before the first `:`). */
export const reasonCodes = (entries: readonly { reason: string }[]) =>
  entries.map((e) => e.reason.slice(0, e.reason.indexOf(':')));
