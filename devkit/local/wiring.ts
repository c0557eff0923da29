/**
 * Wires a source's enrichment and target for the local Pipe runner from the project's own code:
 * createEnrichmentHandler (what enrichment/handler.ts runs) with the SQS DLQ sink, and the target
 * delivery of targets/ (deliverBatch + createKinesisSink, what targets/sink-handler.ts runs; or
 * createFirehoseSink for a Firehose stream, what the Pipe's Firehose target does).
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createFirehoseSink } from '../../core/firehose-delivery.js';
import { createKinesisSink } from '../../core/kinesis-delivery.js';
import { createEnrichmentHandler } from '../../enrichment/create-handler.js';
import { createRecordFormats } from '../../enrichment/formats/registry.js';
import type { RegistryDeps } from '../../enrichment/formats/schema-types.js';
import {
  type CanonicalRecord,
  createSqsDlqSink,
  DEFAULT_RULES,
  DEFAULT_RULES_FILE,
  loadRulesFile,
  parsePartitionKeySpec,
} from '../../enrichment/index.js';
import { createRulesLoader } from '../../enrichment/rules-loader.js';
import { recordFormatsOf } from '../../pipes/record-formats.js';
import { deliverBatch } from '../../targets/deliver-batch.js';
import { type AsyncInvoker, createAsyncInvoker, type InvocationRecord } from './async-invoke.js';
import type { EnrichFn, PipeTarget } from './pipe-runner.js';
import type { LocalSourcePlan } from './plan.js';

/** A logger that keeps counts and the last message (never payloads: the enrichment logs none). */
export interface QuietLogger {
  info(m: string, e?: Record<string, unknown>): void;
  warn(m: string, e?: Record<string, unknown>): void;
  error(m: string, e?: Record<string, unknown>): void;
  debug(m: string, e?: Record<string, unknown>): void;
  readonly counts: { warn: number; error: number };
  last: string | null;
}

/** Creates a {@link QuietLogger}. */
export function quietLogger(): QuietLogger {
  const counts = { warn: 0, error: 0 };
  const l: QuietLogger = {
    counts,
    last: null,
    info: () => undefined,
    debug: () => undefined,
    warn: (m) => {
      counts.warn++;
      l.last = m;
    },
    error: (m) => {
      counts.error++;
      l.last = m;
    },
  };
  return l;
}

const NO_METRICS = {
  addDimensions: () => undefined,
  addMetric: () => undefined,
  publishStoredMetrics: () => undefined,
};

/**
 * The enrichment of a source, as the Pipe calls it (rules from the source's `rules` file; values and keys
 * decoded by the source's formats, one schema cache for the run as in a warm Lambda container).
 * @param registry how the formats reach the source's schema registries (the test bed's moto)
 */
export async function createLocalEnrichment(
  plan: LocalSourcePlan,
  sqs: SQSClient,
  dlqUrl: string,
  logger: QuietLogger,
  registry: RegistryDeps = {},
): Promise<EnrichFn> {
  const source = plan.source;
  const settings = recordFormatsOf(source);
  const formats = createRecordFormats(settings.value, settings.key, registry);
  const bundled = source.rules === DEFAULT_RULES_FILE ? DEFAULT_RULES : await loadRulesFile(source.rules);
  const rules = await createRulesLoader({ bundled, logger });
  const partitionKey = parsePartitionKeySpec(source.target.partitionKey);
  if (!partitionKey)
    throw new Error(`source ${source.name}: bad partition key ${source.target.partitionKey}`);
  const sink = createSqsDlqSink(sqs, dlqUrl);
  return async (event) => {
    let dlqCount = 0;
    const handler = createEnrichmentHandler({
      sourceName: source.name,
      partitionKey,
      formats,
      rules,
      dlq: {
        async send(entries) {
          await sink.send(entries);
          dlqCount += entries.length;
        },
      },
      logger,
      metrics: NO_METRICS,
    });
    const records = await handler(event);
    return { records, dlqCount };
  };
}

/** The Pipe's Kinesis target: PutRecords with PartitionKey `$.partitionKey`; any failed entry fails the batch. */
export function kinesisTarget(kinesis: KinesisClient, streamName: string): PipeTarget {
  const port = createKinesisSink(kinesis, streamName);
  return {
    async deliver(records) {
      await deliverBatch(records, port, { attempts: 1 });
    },
  };
}

/**
 * The Pipe's Firehose target: one PutRecordBatch call (the enrichment keeps a batch within its limits), one
 * record per canonical record. A failed call and a response with `FailedPutCount` > 0 both fail the batch,
 * which the runner retries whole: AWS does not document what a Pipe with a Kafka source does with a
 * partially failed PutRecordBatch (docs/sources.md, "When the Firehose target fails").
 */
export function firehoseTarget(firehose: FirehoseClient, deliveryStreamName: string): PipeTarget {
  const port = createFirehoseSink(firehose, deliveryStreamName);
  return {
    async deliver(records) {
      await deliverBatch(records, port, { attempts: 1 });
    },
  };
}

/**
 * An SQS on-failure destination: sends the Lambda invocation record as the message body, as Lambda's
 * on-failure destination does (the body `dlq inspect | replay --queue sink` parses).
 */
export function sqsOnFailureDestination(
  sqs: SQSClient,
  queueUrl: string,
): (record: InvocationRecord) => Promise<void> {
  return async (record) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
  };
}

/**
 * The Pipe's FIRE_AND_FORGET Lambda target: an async invoke of the sink (deliverBatch to the stream,
 * as targets/sink-handler.ts) with the source's retries and the Lambda invocation record in the DLQ.
 */
export function lambdaTarget(
  plan: LocalSourcePlan,
  kinesis: KinesisClient,
  sqs: SQSClient,
  targetDlqUrl: string,
  retryScale: number,
): { target: PipeTarget; invoker: AsyncInvoker } {
  const t = plan.source.target;
  if (!('retryAttempts' in t)) throw new Error(`source ${plan.source.name} has no Lambda target`);
  const port = createKinesisSink(kinesis, plan.streamName);
  const invoker = createAsyncInvoker({
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${plan.source.name}-local-Sink`,
    retryAttempts: t.retryAttempts,
    maxEventAgeSeconds: t.maxEventAgeSeconds,
    retryDelaysMs: [60_000 * retryScale, 120_000 * retryScale],
    handler: async (event) => deliverBatch(event, port),
    onFailure: sqsOnFailureDestination(sqs, targetDlqUrl),
  });
  return {
    invoker,
    target: {
      async deliver(records: readonly CanonicalRecord[]) {
        invoker.invoke(records);
      },
    },
  };
}
