import { DLQ_REASON, ENRICH_OUTPUT_LIMIT_BYTES } from './constants.js';

/**
 * What a Pipe's target accepts in one invocation (the target kind module's limits, passed to the
 * enrichment Lambda by the KafkaPipe construct). The Pipe does not invoke the target at all when the
 * enrichment returns more records than `maxRecords`, so the enrichment never returns more.
 */
export interface TargetLimits {
  /** Most records in one invocation of the target. */
  readonly maxRecords: number;
  /** Most bytes of one record: its serialized text plus its partition key. */
  readonly maxRecordBytes: number;
  /** Most bytes of one request counted as the records' texts plus their partition keys (Kinesis PutRecords). */
  readonly maxRequestBytes?: number;
  /** Most bytes of the whole JSON array the target receives as one payload (Lambda async invoke). */
  readonly maxPayloadBytes?: number;
}

/** What the budget of one batch depends on (enrich-batch.ts EnrichContext). */
export interface BudgetContext {
  /** Output budget in bytes (default ENRICH_OUTPUT_LIMIT_BYTES); lowered by tests. */
  readonly outputLimitBytes?: number;
  readonly target?: TargetLimits;
}

/** A record about to be output: the UTF-8 sizes of its serialized text and of its partition key. */
export interface BudgetItem {
  readonly bytes: number;
  readonly keyBytes: number;
}

/**
 * What one batch's output may still take: the enrichment response budget (a JSON array: 2 bytes of
 * brackets plus one comma between records), and the target's record count, request bytes (texts plus
 * partition keys) and payload bytes.
 */
export class OutputBudget {
  private readonly limit: number;
  private used = 2;
  private count = 0;
  private requestUsed = 0;

  constructor(private readonly ctx: BudgetContext) {
    const payload = ctx.target?.maxPayloadBytes;
    const response = ctx.outputLimitBytes ?? ENRICH_OUTPUT_LIMIT_BYTES;
    this.limit = payload === undefined ? response : Math.min(payload, response);
  }

  /** Why the record does not fit (a `batch-output-limit` DLQ reason), or undefined when it does. */
  refusal(result: BudgetItem): string | undefined {
    const target = this.ctx.target;
    const size = result.bytes + (this.count > 0 ? 1 : 0);
    const request = result.bytes + result.keyBytes;
    if (target !== undefined && this.count >= target.maxRecords) {
      return `${DLQ_REASON.batchOutputLimit}: the batch output already holds ${this.count} records, the most the target takes in one invocation (${target.maxRecords}); the Pipe would not invoke the target with more. Lower the source batchSize`;
    }
    if (target?.maxRequestBytes !== undefined && this.requestUsed + request > target.maxRequestBytes) {
      return `${DLQ_REASON.batchOutputLimit}: the batch output's records and partition keys reached ${this.requestUsed} bytes; this record (${request} bytes) would exceed the ${target.maxRequestBytes}-byte target request limit. Lower the source batchSize`;
    }
    if (this.used + size > this.limit) {
      return `${DLQ_REASON.batchOutputLimit}: the batch output reached ${this.used} bytes; this record (${size} bytes) would exceed the ${this.limit}-byte enrichment response budget. Lower the source batchSize`;
    }
    return undefined;
  }

  /** Takes the record into the output; returns the bytes it adds to the response. */
  take(result: BudgetItem): number {
    const size = result.bytes + (this.count > 0 ? 1 : 0);
    this.used += size;
    this.count++;
    this.requestUsed += result.bytes + result.keyBytes;
    return size;
  }
}
