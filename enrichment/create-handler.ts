import type { CanonicalRecord } from './canonical.js';
import { reasonCode } from './dlq-entry.js';
import { enrichWorkRecords, prepareFormats, type TargetLimits } from './enrich-batch.js';
import type { RecordFormats } from './formats/format.js';
import { decodeKafkaEvent } from './kafka-event.js';
import type { PartitionKeySpec } from './partition-key.js';
import type { RulesLoader, RulesLoaderLogger } from './rules-loader.js';
import type { DlqSink } from './sqs-dlq-sink.js';

/** Metric names emitted per batch (EMF, dimensions source + ruleVersion). */
export const ENRICHMENT_METRICS = {
  recordsIn: 'RecordsIn',
  recordsOut: 'RecordsOut',
  droppedByRule: 'DroppedByRule',
  sentToDlq: 'SentToDlq',
} as const;

/** Metrics port (Powertools Metrics fits). */
export interface EnrichmentMetrics {
  addDimensions(dimensions: Record<string, string>): void;
  addMetric(name: string, unit: 'Count', value: number): void;
  publishStoredMetrics(): void;
}

/** Ports of the enrichment handler. */
export interface EnrichmentHandlerPorts {
  readonly sourceName: string;
  readonly partitionKey: PartitionKeySpec;
  /** How values and keys are decoded (formats/registry.ts); default JSON values, text keys. */
  readonly formats?: RecordFormats;
  /** What the Pipe's target takes in one invocation; more records or bytes go to the DLQ. */
  readonly targetLimits?: TargetLimits;
  readonly rules: RulesLoader;
  readonly dlq: DlqSink;
  readonly logger: RulesLoaderLogger;
  readonly metrics: EnrichmentMetrics;
  readonly now?: () => Date;
}

/**
 * Builds the Pipe enrichment handler: rules in force → the event's records → the value format's batch
 * preparation → enrichWorkRecords (pure; what enrichBatch does) → DLQ entries to SQS → metrics → the
 * canonical records (the Pipe sends them to the target). Throws only on a malformed event
 * (InvalidEventError), a failed format preparation or an unreachable DLQ (RetriableError), so the Pipe
 * retries the batch.
 * Logs counts and coordinates, never payloads.
 */
export function createEnrichmentHandler(
  ports: EnrichmentHandlerPorts,
): (event: unknown) => Promise<CanonicalRecord[]> {
  return async (event) => {
    const rules = await ports.rules.current();
    const ctx = {
      rules,
      sourceName: ports.sourceName,
      partitionKey: ports.partitionKey,
      ...(ports.formats ? { formats: ports.formats } : {}),
      ...(ports.now ? { now: ports.now } : {}),
      ...(ports.targetLimits ? { target: ports.targetLimits } : {}),
    };
    const records = decodeKafkaEvent(event);
    await prepareFormats(records, ctx);
    const outcome = enrichWorkRecords(records, ctx);
    if (outcome.dlq.length > 0) {
      ports.logger.warn('records sent to dlq', {
        ruleVersion: rules.ruleVersion,
        records: outcome.dlq.map((e) => ({
          topic: e.topic,
          partition: e.partition,
          offset: e.offset,
          reason: reasonCode(e),
        })),
      });
      await ports.dlq.send(outcome.dlq);
    }
    const { counts } = outcome;
    ports.metrics.addDimensions({ source: ports.sourceName, ruleVersion: rules.ruleVersion });
    ports.metrics.addMetric(ENRICHMENT_METRICS.recordsIn, 'Count', counts.in);
    ports.metrics.addMetric(ENRICHMENT_METRICS.recordsOut, 'Count', counts.out);
    ports.metrics.addMetric(ENRICHMENT_METRICS.droppedByRule, 'Count', counts.dropped);
    ports.metrics.addMetric(ENRICHMENT_METRICS.sentToDlq, 'Count', counts.dlq);
    ports.metrics.publishStoredMetrics();
    ports.logger.info('batch enriched', {
      ruleVersion: rules.ruleVersion,
      in: counts.in,
      out: counts.out,
      dropped: counts.dropped,
      dlq: counts.dlq,
      byReason: counts.byReason,
      outputBytes: counts.outputBytes,
    });
    return outcome.records;
  };
}
