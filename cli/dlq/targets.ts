/**
 * The targets `dlq replay` writes to: the source's Kinesis stream or Firehose stream (through the sink's own
 * deliverBatch: same bytes, same retries) or the sink Lambda, invoked RequestResponse so a failure is seen.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { createFirehoseSink } from '../../core/firehose-delivery.js';
import { createKinesisSink, type SinkPort } from '../../core/kinesis-delivery.js';
import { findTargetKind, TARGET_KINDS, TARGET_TYPES, targetKind } from '../../pipes/kinds/registry.js';
import {
  deliveryStreamNameOf,
  deliveryStreamPhysicalName,
  type FirehoseTargetConfig,
} from '../../pipes/kinds/targets/firehose.js';
import type { TargetKind } from '../../pipes/kinds/types.js';
import { type SourceConfig, streamPhysicalName } from '../../pipes/source-schema.js';
import { deliverBatch } from '../../targets/deliver-batch.js';
import type { CliAwsClients } from '../shared/aws.js';
import { usageError } from '../shared/output.js';
import type { ReplayTarget } from './replay.js';

/** Characters of a failed sink function's error payload quoted in the failure detail. */
const ERROR_PAYLOAD_SHOWN = 300;

/** Writes replayed records to a Kinesis stream. */
export function streamReplayTarget(streamName: string, port: SinkPort): ReplayTarget {
  return {
    label: `stream ${streamName}`,
    json: { stream: streamName },
    deliver: async (records) => (records.length === 0 ? 0 : (await deliverBatch(records, port)).delivered),
  };
}

/** {@link streamReplayTarget} over the SDK's Kinesis client. */
export function kinesisStreamTarget(
  kinesis: Parameters<typeof createKinesisSink>[0],
  streamName: string,
): ReplayTarget {
  return streamReplayTarget(streamName, createKinesisSink(kinesis, streamName));
}

/** Writes replayed records to a Firehose stream (PutRecordBatch through the same delivery loop). */
export function deliveryStreamReplayTarget(deliveryStreamName: string, port: SinkPort): ReplayTarget {
  return {
    label: `Firehose stream ${deliveryStreamName}`,
    json: { deliveryStream: deliveryStreamName },
    deliver: async (records) => (records.length === 0 ? 0 : (await deliverBatch(records, port)).delivered),
  };
}

/** Re-invokes the sink Lambda with the replayed batch. */
export function functionReplayTarget(functionName: string, lambda: LambdaClient): ReplayTarget {
  return {
    label: `function ${functionName}`,
    json: { function: functionName },
    async deliver(records) {
      if (records.length === 0) return 0;
      const res = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(records)),
        }),
      );
      if (res.FunctionError) {
        const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
        throw new Error(`sink function failed (${res.FunctionError}): ${text.slice(0, ERROR_PAYLOAD_SHOWN)}`);
      }
      return records.length;
    },
  };
}

/** The flags that choose the replay target. */
export interface ReplayTargetFlags {
  readonly to?: string;
  readonly stream?: string;
  readonly env?: string;
  readonly function?: string;
  readonly deliveryStream?: string;
}

/** Where `dlq replay --to <target type>` writes (pipes/kinds/types.ts `TargetKind.replay.to`). */
type ReplayDestination = TargetKind['replay']['to'];

/** What each destination does, for `--to` help and messages. */
const DESTINATION_TEXT: Readonly<Record<ReplayDestination, string>> = {
  stream: 'write the stream',
  function: 're-invoke the sink',
  'delivery-stream': 'write the Firehose stream',
};

/** The `--to` choices, from the target registry: `<type> (what replaying to it does) | …`. */
export const REPLAY_TO_HELP = TARGET_KINDS.map((k) => `${k.type} (${DESTINATION_TEXT[k.replay.to]})`).join(
  ' | ',
);

/**
 * The target of `--to <target type>` (default: the sink function when `--function` is given, else the
 * destination of the source's target type, else the stream): the stream from `--stream` or the source's
 * stream name suffixed with `-<env>`, or the function of `--function`.
 */
export function replayTargetFor(
  flags: ReplayTargetFlags,
  source: SourceConfig | undefined,
  aws: CliAwsClients,
): ReplayTarget {
  const to = destinationOf(flags, source);
  if (to === 'function') {
    if (!flags.function)
      throw usageError(
        '--function',
        'function',
        `--to ${flags.to} needs the sink function`,
        'pass --function <name or ARN> of the sink Lambda',
      );
    return functionReplayTarget(flags.function, aws.lambda);
  }
  if (to === 'delivery-stream') {
    const name = flags.deliveryStream ?? deliveryStreamOfSource(source, flags.env);
    if (!name)
      throw usageError(
        '--delivery-stream',
        'deliveryStream',
        'the target Firehose stream is not known',
        'pass --delivery-stream <name>, or a source with a firehose target and --env <environment>',
      );
    return deliveryStreamReplayTarget(name, createFirehoseSink(aws.firehose, name));
  }
  const streamName =
    flags.stream ?? (source && flags.env ? streamPhysicalName(source, flags.env) : undefined);
  if (!streamName) {
    throw usageError(
      '--stream',
      'stream',
      'the target stream is not known',
      'pass --stream <name>, or a source name (with a queue URL: --source <name>) and --env <environment> (stream <streamName or name-events>-<env>)',
    );
  }
  return kinesisStreamTarget(aws.kinesis, streamName);
}

/** The Firehose stream of a source whose target writes one: its ARN's name, or the stack's in `env`. */
function deliveryStreamOfSource(
  source: SourceConfig | undefined,
  env: string | undefined,
): string | undefined {
  if (!source || targetKind(source.target.type).replay.to !== 'delivery-stream') return undefined;
  const target = source.target as FirehoseTargetConfig;
  if (target.deliveryStreamArn) return deliveryStreamNameOf(target.deliveryStreamArn);
  return env ? deliveryStreamPhysicalName({ name: source.name, target }, env) : undefined;
}

function destinationOf(flags: ReplayTargetFlags, source: SourceConfig | undefined): ReplayDestination {
  if (flags.to === undefined) {
    if (flags.function) return 'function';
    return source ? targetKind(source.target.type).replay.destination : 'stream';
  }
  const kind = findTargetKind(flags.to);
  if (!kind) {
    throw usageError(
      '--to',
      'to',
      `must be ${TARGET_TYPES.join(' or ')}, received ${flags.to}`,
      `pass ${TARGET_KINDS.map((k) => `--to ${k.type} (${DESTINATION_TEXT[k.replay.to]})`).join(' or ')}`,
    );
  }
  return kind.replay.to;
}
