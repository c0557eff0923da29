/**
 * The Firehose side of a local run: the delivery stream a `firehose` source writes (created on moto, or
 * real AWS, with the stack's S3 destination settings: GZIP, `AppendDelimiterToRecord`, buffering hints),
 * and the S3 objects read back and parsed record by record.
 *
 * What each writes (test/integration/firehose-lake.test.ts asserts moto's side): Firehose on AWS buffers,
 * then writes GZIP objects of newline-delimited JSON under the evaluated prefix. moto's Firehose accepts
 * the same configuration but applies none of it: during each PutRecordBatch call it writes one
 * uncompressed object holding the records back to back (no processor, so no newline), under the prefix
 * with its `!{…}` expressions left as written plus `YYYY/MM/DD/HH/`. The local run emulates none of
 * this; the reader takes both forms: it gunzips an object that starts with the GZIP magic bytes and
 * splits the text into JSON documents (lines, or documents back to back), counting what does not parse.
 */
import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  type DescribeDeliveryStreamCommandOutput,
  type FirehoseClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-firehose';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  deliveryStreamPhysicalName,
  type FirehoseTargetConfig,
  firehosePrefixes,
} from '../../pipes/kinds/targets/firehose.js';
import type { SourceConfig } from '../../pipes/source-schema.js';

/** The bucket local Firehose streams write to. */
export const LOCAL_LAKE_BUCKET = 'kafka-pipes-lake-local';
/** The role ARN a local stream names (moto does not check it). */
const LOCAL_FIREHOSE_ROLE = 'arn:aws:iam::123456789012:role/kafka-pipes-firehose-local';

/** A Firehose stream of a local run. */
export interface LocalDeliveryStream {
  readonly name: string;
  readonly bucket: string;
  /** The S3 prefix as the stack configures it (moto writes it literally, expressions unevaluated). */
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  /** Where its objects are listed: the prefix up to its first expression. */
  readonly listPrefix: string;
  readonly bufferingIntervalSeconds: number;
  readonly bufferingSizeMiB: number;
  /**
   * The target's object format. The local stream is created with the JSON settings whatever it says:
   * moto's Firehose does not convert records (docs/local-run.md), so `parquet` objects stay JSON here.
   */
  readonly format?: FirehoseTargetConfig['format'];
}

/** The Firehose stream of a source whose target has its own destination (not the Kinesis data lake). */
export function localDeliveryStreamOf(source: SourceConfig, environment: string): LocalDeliveryStream {
  const target = source.target as FirehoseTargetConfig;
  const { prefix, errorOutputPrefix } = firehosePrefixes(source.name, target);
  return {
    name: deliveryStreamPhysicalName({ name: source.name, target }, environment),
    bucket: LOCAL_LAKE_BUCKET,
    prefix,
    errorOutputPrefix,
    listPrefix: listPrefixOf(prefix),
    bufferingIntervalSeconds: target.bufferingIntervalSeconds,
    bufferingSizeMiB: target.bufferingSizeMiB,
    format: target.format,
  };
}

/** The prefix up to its first `!{…}` expression: where a stream's objects are listed. */
const listPrefixOf = (prefix: string): string => {
  const cut = prefix.indexOf('!{');
  return cut === -1 ? prefix : prefix.slice(0, cut);
};

/**
 * Where an existing stream writes (its S3 bucket, and where to list its objects), or null when there is
 * no such stream.
 * @throws Error for a stream without an S3 destination (the local run reads S3 objects only).
 */
export async function destinationOf(
  firehose: FirehoseClient,
  name: string,
): Promise<{ readonly bucket: string; readonly listPrefix: string } | null> {
  let described: DescribeDeliveryStreamCommandOutput;
  try {
    described = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return null;
    throw error;
  }
  const dest = described.DeliveryStreamDescription?.Destinations?.[0];
  const s3 = dest?.ExtendedS3DestinationDescription ?? dest?.S3DestinationDescription;
  if (!s3?.BucketARN) {
    throw new Error(`Firehose stream ${name} has no S3 destination: the local run reads S3 objects back`);
  }
  return {
    bucket: s3.BucketARN.slice(s3.BucketARN.lastIndexOf(':') + 1),
    listPrefix: listPrefixOf(s3.Prefix ?? ''),
  };
}

/**
 * Creates the bucket and the stream (DirectPut, the S3 destination as the stack configures it) unless the
 * stream exists; an existing stream (a deployed one, or `target.deliveryStreamArn`) is used as it is.
 */
export async function ensureDeliveryStream(
  clients: { readonly firehose: FirehoseClient; readonly s3: S3Client },
  ds: LocalDeliveryStream,
): Promise<void> {
  if (await destinationOf(clients.firehose, ds.name)) return;
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: ds.bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  try {
    await clients.firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: ds.name,
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          BucketARN: `arn:aws:s3:::${ds.bucket}`,
          RoleARN: LOCAL_FIREHOSE_ROLE,
          Prefix: ds.prefix,
          ErrorOutputPrefix: ds.errorOutputPrefix,
          BufferingHints: { IntervalInSeconds: ds.bufferingIntervalSeconds, SizeInMBs: ds.bufferingSizeMiB },
          CompressionFormat: 'GZIP',
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      }),
    );
  } catch (error) {
    if (error instanceof ResourceInUseException) return;
    throw new Error(
      `Firehose stream ${ds.name} does not exist and could not be created (${(error as Error).message}). Fix: deploy the stack (cdk deploy) or name an existing stream in target.deliveryStreamArn; the local run creates streams on moto only`,
      { cause: error },
    );
  }
}

/** The JSON documents of an object's text, and what is left between them that is not whitespace. */
export interface SplitDocuments {
  readonly docs: string[];
  /** Characters outside any document that are not whitespace (0 for a well-formed object). */
  readonly strayChars: number;
}

/**
 * Splits an object's text into its JSON documents: one per line when it is newline-delimited (AWS with
 * `AppendDelimiterToRecord`), or written back to back (`{…}{…}`, what moto writes), split at each
 * top-level closing brace outside strings. Text outside the documents is counted, never skipped silently.
 */
export function splitJsonDocuments(text: string): SplitDocuments {
  const docs: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let strayChars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      if (--depth === 0) docs.push(text.slice(start, i + 1));
    } else if (depth === 0 && !/\s/.test(c)) strayChars++;
  }
  if (depth > 0) strayChars += text.length - start;
  return { docs, strayChars };
}

/** One canonical record read back from an object. */
export interface LakeRecord {
  readonly source: string;
  readonly eventId: string;
  readonly json: string;
  /** When its object was written (S3 LastModified, epoch ms). */
  readonly writtenMs: number;
  /** Its Kafka timestamp (`kafka.timestamp`, epoch ms), or NaN. */
  readonly producedMs: number;
}

/** What a local stream's objects hold. */
export interface LakeContents {
  readonly objects: number;
  readonly bytes: number;
  /** Objects stored GZIP-compressed (AWS with CompressionFormat GZIP; moto stores what it was sent). */
  readonly gzipObjects: number;
  /** Objects whose records each end in a newline (AWS with AppendDelimiterToRecord). */
  readonly newlineDelimitedObjects: number;
  /** Documents that did not parse as a canonical record, plus stray text between documents (characters). */
  readonly unparsed: number;
  /** Every record read back. */
  readonly records: LakeRecord[];
}

/** The text of an object: gunzipped when it starts with the GZIP magic bytes. */
function objectText(raw: Buffer): { text: string; gzip: boolean } {
  const gzip = raw[0] === 0x1f && raw[1] === 0x8b;
  return { text: (gzip ? gunzipSync(raw) : raw).toString('utf8'), gzip };
}

/** The canonical records of one object's text (a document that is no canonical record counts as unparsed). */
function recordsOf(text: string, writtenMs: number): { records: LakeRecord[]; unparsed: number } {
  const { docs, strayChars } = splitJsonDocuments(text);
  const records: LakeRecord[] = [];
  let unparsed = strayChars;
  for (const json of docs) {
    try {
      const r = JSON.parse(json) as { source?: unknown; eventId?: unknown; kafka?: { timestamp?: unknown } };
      if (typeof r.source !== 'string' || typeof r.eventId !== 'string') throw new Error('not canonical');
      const ts = typeof r.kafka?.timestamp === 'string' ? Date.parse(r.kafka.timestamp) : Number.NaN;
      records.push({ source: r.source, eventId: r.eventId, json, writtenMs, producedMs: ts });
    } catch {
      unparsed++;
    }
  }
  return { records, unparsed };
}

/** Reads every object under the stream's list prefix once and parses each record. */
async function readLakeOnce(
  s3: S3Client,
  ds: Pick<LocalDeliveryStream, 'bucket' | 'listPrefix'>,
): Promise<LakeContents> {
  const records: LakeRecord[] = [];
  let objects = 0;
  let bytes = 0;
  let gzipObjects = 0;
  let newlineDelimitedObjects = 0;
  let unparsed = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: ds.bucket, Prefix: ds.listPrefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: ds.bucket, Key: o.Key }));
      const raw = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array());
      const { text, gzip } = objectText(raw);
      const read = recordsOf(text, (o.LastModified ?? got.LastModified ?? new Date()).getTime());
      objects++;
      bytes += raw.byteLength;
      if (gzip) gzipObjects++;
      if (read.records.length > 0 && text === read.records.map((r) => `${r.json}\n`).join(''))
        newlineDelimitedObjects++;
      unparsed += read.unparsed;
      records.push(...read.records);
    }
    token = page.NextContinuationToken;
  } while (token);
  return { objects, bytes, gzipObjects, newlineDelimitedObjects, unparsed, records };
}

/**
 * Reads the stream's objects back. moto writes an object during each PutRecordBatch call, so one read
 * finds everything; Firehose on AWS writes when its buffer fills or its interval ends, so the read is
 * repeated until `expected` records are there or the buffering interval plus `marginMs` has passed.
 */
export async function readLake(
  clients: { readonly firehose: FirehoseClient; readonly s3: S3Client },
  ds: LocalDeliveryStream,
  wait: { readonly expected: number; readonly buffered: boolean; readonly marginMs?: number },
): Promise<LakeContents> {
  const deadline =
    Date.now() + (wait.buffered ? ds.bufferingIntervalSeconds * 1000 + (wait.marginMs ?? 120_000) : 0);
  // Where the stream really writes (an existing stream may name another bucket or prefix).
  const where = (await destinationOf(clients.firehose, ds.name)) ?? ds;
  for (;;) {
    const lake = await readLakeOnce(clients.s3, where);
    if (lake.records.length >= wait.expected || Date.now() >= deadline) return lake;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}
