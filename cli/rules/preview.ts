/**
 * The `rules preview` engine: applies a rules file to sample records through the SAME code path as the
 * enrichment Lambda (parseRules → compileRules → enrichBatch) and returns the canonical records, the DLQ
 * entries and the counts per rule. Samples come from a JSON / NDJSON file or from the source's topic. With
 * `--source`, values and keys are decoded by the source's formats (cli/shared/record-formats.ts): Avro or
 * another schema format read through its registry, whose schemas are fetched before the batch is enriched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaConnection } from '../../core/kafka/client.js';
import { consumeMessages } from '../../core/kafka/group-member.js';
import {
  buildPipeKafkaRecord,
  type CompiledRules,
  compileRules,
  DEFAULT_RULES_FILE,
  type EnrichOutcome,
  enrichBatch,
  KAFKA_EVENT_SOURCE,
  type KafkaEventRecord,
  type PartitionKeySpec,
  parsePartitionKeySpec,
  parseRules,
} from '../../enrichment/index.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { planCheck } from '../check/plan.js';
import type { CliAwsClients } from '../shared/aws.js';
import { readSecret } from '../shared/material.js';
import { usageError } from '../shared/output.js';
import { prepareEventFormats, prepareWithRegistry, sourceFormats } from '../shared/record-formats.js';
import { resolveSource } from '../shared/sources.js';

/** Flags of `rules preview`. */
export interface RulesPreviewFlags {
  /** Rules file (default: the source's rules, else the bundled default). */
  readonly rules?: string;
  /** Source name/file: gives rules, partition key, name and (with --from-topic) the connection. */
  readonly source?: string;
  /** JSON array or NDJSON of API events or Pipe Kafka records. */
  readonly records?: string;
  /** Read samples from the source's topic (from the beginning, throwaway group, no commits). */
  readonly fromTopic?: boolean;
  /** Records to read from the topic (default 20). */
  readonly max?: string;
  readonly partitionKey?: string;
  /** HMAC key for `redact mode: hash` (else read from the secret named by hmacKey). */
  readonly hmacKey?: string;
  readonly sourcesDir?: string;
  // connection flags (used with --from-topic)
  readonly brokers?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly keyPassword?: string;
  readonly ca?: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * The sample records shipped with the repository (API Connect events of each kind and poison records),
 * read when neither `--records` nor `--from-topic` is given.
 */
export const DEFAULT_SAMPLES_DIR = 'enrichment/samples';

const PREVIEW_CLUSTER = 'preview:9092';
const PREVIEW_TOPIC = 'preview';
const DEFAULT_TOPIC_SAMPLES = 20;
const TOPIC_READ_TIMEOUT_MS = 15_000;

function isPipeRecord(v: unknown): v is KafkaEventRecord {
  return typeof v === 'object' && v !== null && 'eventSource' in v && 'value' in v && 'topic' in v;
}

/**
 * Turns sample file content into a Pipe event: Pipe Kafka records are used as they are; any other JSON
 * value becomes the value of a synthetic record (topic `preview`, partition 0, offset = its position).
 * @example samplesToEvent('{"app_name":"a"}\n{"app_name":"b"}', 'samples.ndjson', new Date(0))
 */
export function samplesToEvent(text: string, file: string, now: Date): KafkaEventRecord[] {
  const trimmed = text.trim();
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      items = JSON.parse(trimmed) as unknown[];
    } catch (e) {
      throw usageError(
        file,
        '<document>',
        `not valid JSON: ${(e as Error).message}`,
        'give a JSON array or one JSON value per line (NDJSON)',
      );
    }
  } else {
    items = [];
    trimmed.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        items.push(JSON.parse(line));
      } catch {
        // A line that is not JSON is still a sample: it will show up as an invalid-json DLQ entry.
        items.push({ __raw: line, __line: i + 1 });
      }
    });
  }
  return items.map((item, i) => {
    if (isPipeRecord(item)) return item;
    const raw = (item as { __raw?: string })?.__raw;
    return buildPipeKafkaRecord({
      eventSource: KAFKA_EVENT_SOURCE.selfManaged,
      cluster: PREVIEW_CLUSTER,
      topic: PREVIEW_TOPIC,
      partition: 0,
      offset: String(i),
      timestamp: now.getTime(),
      key: null,
      value: raw ?? JSON.stringify(item),
    });
  });
}

/** Reads and compiles a rules file exactly like the Lambda does (validation messages included). */
export async function compileRulesFile(
  file: string,
  hmacKey: string | undefined,
  aws: Pick<CliAwsClients, 'secretsManager'> | undefined,
): Promise<CompiledRules> {
  if (!existsSync(file))
    throw usageError(
      '--rules',
      'rules',
      `file ${file} does not exist`,
      'pass the path of a rules YAML/JSON file',
    );
  const rules = parseRules(readFileSync(file, 'utf8'), file);
  let key = hmacKey;
  if (rules.hmacKey && key === undefined) {
    if (!aws) {
      throw usageError(
        '--hmac-key',
        'hmacKey',
        `the rules hash with the key in secret ${rules.hmacKey.secretName}`,
        'pass --hmac-key (or KAFKA_PIPES_HMAC_KEY)',
      );
    }
    key = await readSecret(aws.secretsManager, rules.hmacKey.secretName, 'hmacKey.secretName', file);
  }
  return compileRules(rules, key !== undefined ? { hmacKey: key } : {});
}

/** Result of a preview. */
export interface RulesPreviewResult {
  readonly rulesFile: string;
  readonly ruleVersion: string;
  /** Operation ids in order (for the per-rule table, zeros included). */
  readonly ruleIds: readonly string[];
  readonly samples: string;
  readonly outcome: EnrichOutcome;
}

async function topicSamples(
  ref: string,
  flags: RulesPreviewFlags,
  aws: CliAwsClients,
): Promise<KafkaEventRecord[]> {
  const plan = await planCheck(ref, { ...flags, tls: 'auto' }, aws);
  const max = flags.max === undefined ? DEFAULT_TOPIC_SAMPLES : Number(flags.max);
  if (!Number.isInteger(max) || max < 1 || max > 10_000) {
    throw usageError(
      '--max',
      'max',
      `must be a whole number from 1 to 10000, received ${flags.max}`,
      'pass e.g. --max 50',
    );
  }
  const conn: KafkaConnection = {
    brokers: plan.brokers,
    clientId: 'kafka-pipes-rules-preview',
    ...(plan.tls ? { tls: plan.tls } : {}),
    ...(plan.sasl ? { sasl: plan.sasl } : {}),
  };
  const messages = await consumeMessages(conn, plan.topic, {
    count: max,
    timeoutMs: TOPIC_READ_TIMEOUT_MS,
    groupId: `kafka-pipes-cli-preview-${Date.now().toString(36)}`,
  });
  return messages.slice(0, max).map((m) =>
    buildPipeKafkaRecord({
      ...plan.recordSource,
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      timestamp: m.timestamp,
      key: m.key,
      value: m.value,
      headers: m.headers,
    }),
  );
}

/**
 * The partition key of `--partition-key`, else the source target's, else `record-key`.
 * @throws UsageError naming the flag when the text is not a partition key.
 */
export function partitionKeyOf(flag: string | undefined, source: SourceConfig | undefined): PartitionKeySpec {
  const keyText = flag ?? source?.target.partitionKey ?? 'record-key';
  const partitionKey = parsePartitionKeySpec(keyText);
  if (!partitionKey) {
    throw usageError(
      '--partition-key',
      'partitionKey',
      `"${keyText}" is not a partition key`,
      'use record-key, topic-partition or field:<path>',
    );
  }
  return partitionKey;
}

/** Runs the preview (no output). */
export async function runRulesPreview(
  flags: RulesPreviewFlags,
  aws: CliAwsClients,
  now: () => Date = () => new Date(),
  samplesDir: string = DEFAULT_SAMPLES_DIR,
): Promise<RulesPreviewResult> {
  const source = flags.source ? resolveSource(flags.source, flags.sourcesDir).source : undefined;
  const rulesFile = flags.rules ?? source?.rules ?? DEFAULT_RULES_FILE;
  const partitionKey = partitionKeyOf(flags.partitionKey, source);
  const shipped = flags.records || flags.fromTopic ? [] : shippedSamples(samplesDir);
  checkSampleFlags(flags, shipped.length > 0, samplesDir);
  const rules = await compileRulesFile(rulesFile, flags.hmacKey, aws);
  const { event, samples } = flags.records
    ? { event: fileSamples(flags.records, now()), samples: flags.records }
    : shipped.length > 0
      ? { event: shipped.flatMap((f) => fileSamples(f, now())), samples: `${samplesDir}/*.ndjson` }
      : { event: await topicSamples(flags.source as string, flags, aws), samples: `topic ${source?.topic}` };
  const formats = source ? sourceFormats(source, aws) : undefined;
  if (source && formats) await prepareWithRegistry(source.name, () => prepareEventFormats(formats, event));
  const outcome = enrichBatch(event, {
    rules,
    sourceName: source?.name ?? 'preview',
    partitionKey,
    now,
    ...(formats ? { formats } : {}),
    // A preview batch may be larger than one Lambda response: do not cut it at 6 MB.
    outputLimitBytes: Number.MAX_SAFE_INTEGER,
  });
  return { rulesFile, ruleVersion: rules.ruleVersion, ruleIds: rules.ruleIds, samples, outcome };
}

/** The shipped sample files (`*.ndjson` of the samples directory), none when it is absent. */
function shippedSamples(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Samples come from `--records`, from the topic of `--source` with `--from-topic`, else from the shipped
 * samples (`shipped`: `samplesDir` has some).
 */
function checkSampleFlags(flags: RulesPreviewFlags, shipped: boolean, samplesDir: string): void {
  if (!flags.records && !flags.fromTopic && !shipped) {
    throw usageError(
      '--records',
      'records',
      `no samples given, and no shipped samples in ${samplesDir}/ here`,
      'pass --records <file.json|file.ndjson>, or --source <name> --from-topic, or run from the repository root',
    );
  }
  if (flags.fromTopic && !flags.source) {
    throw usageError(
      '--from-topic',
      'source',
      'reading samples from the topic needs the source to connect to',
      'add --source <name>',
    );
  }
}

function fileSamples(file: string, now: Date): KafkaEventRecord[] {
  if (!existsSync(file))
    throw usageError('--records', 'records', `file ${file} does not exist`, 'pass a JSON or NDJSON file');
  return samplesToEvent(readFileSync(file, 'utf8'), file, now);
}
