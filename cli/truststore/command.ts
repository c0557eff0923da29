/**
 * `kafka-pipes truststore upload <source> <file>`: checks the PEM bundle (certificates only), finds the
 * source's truststore bucket (tagged `kafka-pipes:source=<name>` by the stack; `--bucket` overrides), puts the
 * bundle there encrypted with the bucket's KMS key (SSE-KMS), and records `poller.truststore.s3Key` in the
 * source file (yaml Document API: comments and layout kept; validated with the synth's loader).
 */
import { writeFileSync } from 'node:fs';
import {
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { SOURCE_TAG_KEY } from '../../pipes/source-schema.js';
import { applySourceEdits } from '../preflight/write-plan.js';
import { readCertFile } from '../shared/cert-file.js';
import { type ActionWrapper, SOURCE_ARGUMENT } from '../shared/commander.js';
import { EXIT_CODES, type ExitCode, type Output, UsageError, usageError } from '../shared/output.js';
import type { PromptInput } from '../shared/password.js';
import { resolveSource } from '../shared/sources.js';
import { registerConvert } from './convert-command.js';
import { type BucketCandidate, checkBundle, pickBucket, planUpload, type UploadPlan } from './plan.js';

/** Flags of `truststore upload`. */
export interface TruststoreUploadFlags {
  readonly bucket?: string;
  readonly key?: string;
  readonly env?: string;
  readonly sourcesDir?: string;
}

/** Adds `truststore upload` and `truststore convert`; `stdin` answers the password prompt. */
export function registerTruststore(program: Command, action: ActionWrapper, stdin?: PromptInput): void {
  const truststore = program
    .command('truststore')
    .description("certificate files: convert keystores to PEM, put the poller's trust bundle in its bucket");
  registerConvert(truststore, action, stdin);
  truststore
    .command('upload')
    .description(
      'put a PEM trust bundle into the truststore bucket (SSE-KMS) and set poller.truststore.s3Key',
    )
    .argument(SOURCE_ARGUMENT.name, SOURCE_ARGUMENT.description)
    .argument('<file>', 'PEM file with the CA certificates (no private key)')
    .option('--bucket <name>', 'bucket to use instead of the one tagged kafka-pipes:source=<name>')
    .option('--env <environment>', 'pick the bucket of stack KafkaPipes-<environment>')
    .option('--key <key>', 'object key (default: the source’s s3Key, else truststores/<name>.pem)')
    .addHelpText('after', '\nExit codes: 0 uploaded · 2 bad bundle, flags or source · 3 AWS error')
    .action(
      action(async ({ flags, out, aws }, ref: string, file: string, opts: TruststoreUploadFlags) =>
        truststoreUpload(ref, file, { ...opts, sourcesDir: flags.sourcesDir }, out, aws.s3),
      ),
    );
}

/** Runs `truststore upload`; returns the exit code. */
export async function truststoreUpload(
  ref: string,
  bundleFile: string,
  flags: TruststoreUploadFlags,
  out: Output,
  s3: S3Client,
): Promise<ExitCode> {
  const bundle = readCertFile({ field: '<file>', path: bundleFile, part: 'certificates' });
  if (bundle.notPem) {
    // The poller reads the object as PEM: a keystore or DER file is converted first, never uploaded as is.
    throw usageError(
      bundleFile,
      '<file>',
      `${bundle.notPem.format}, not PEM; the poller reads a PEM bundle`,
      `convert it: ${bundle.notPem.convert}, then upload the PEM file`,
    );
  }
  const checked = checkBundle(bundle.text, bundleFile);
  if (checked.issues.length > 0) throw new UsageError(checked.issues);
  const { file, text, source } = resolveSource(ref, flags.sourcesDir);
  const precheck = planUpload({ file, source, bucket: flags.bucket ?? '', ...keyOf(flags) });
  if ('issue' in precheck) throw new UsageError([precheck.issue]);
  // The file written after the upload must synth (e.g. no secret given by name): checked before uploading.
  if (precheck.edits.length > 0) applySourceEdits(text, file, precheck.edits);
  const bucket = flags.bucket ?? (await findTruststoreBucket(s3, source.name, flags.env));
  const kmsKeyId = await bucketKmsKey(s3, bucket);
  const plan = planUpload({ file, source, bucket, kmsKeyId, ...keyOf(flags) }) as UploadPlan;
  await s3.send(
    new PutObjectCommand({
      Bucket: plan.bucket,
      Key: plan.key,
      Body: bundle.text,
      ContentType: 'application/x-pem-file',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: plan.kmsKeyId,
    }),
  );
  const recorded = plan.edits.length > 0;
  if (recorded) writeFileSync(file, applySourceEdits(text, file, plan.edits));
  const uri = `s3://${plan.bucket}/${plan.key}`;
  if (out.json) {
    out.result({ ok: true, file, uri, kmsKeyId: plan.kmsKeyId, ...checked, recorded });
  } else {
    out.line(
      `uploaded ${bundleFile} (${checked.certificates} certificate(s), ${checked.bytes.toLocaleString('en-US')} bytes) to ${uri}, SSE-KMS with ${plan.kmsKeyId}`,
    );
    out.line(
      recorded
        ? `set poller.truststore.s3Key: ${plan.key} in ${file}`
        : `${file} already points at ${plan.key}`,
    );
    out.line(recorded ? 'next: npx cdk deploy' : 'the poller reads the new bundle on its next run');
  }
  return EXIT_CODES.ok;
}

const keyOf = (flags: TruststoreUploadFlags) => (flags.key ? { key: flags.key } : {});

/** Lists the buckets tagged with the source and picks the one of the stack (`--env`). */
async function findTruststoreBucket(s3: S3Client, sourceName: string, env?: string): Promise<string> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListBucketsCommand(token ? { ContinuationToken: token } : {}));
    names.push(...(res.Buckets ?? []).flatMap((b) => (b.Name ? [b.Name] : [])));
    token = res.ContinuationToken;
  } while (token);
  const candidates: BucketCandidate[] = [];
  for (const name of names) {
    const tags = await bucketTags(s3, name);
    if (tags?.[SOURCE_TAG_KEY] === sourceName) candidates.push({ name, tags });
  }
  const picked = pickBucket(sourceName, candidates, env ? `KafkaPipes-${env}` : undefined);
  if ('issue' in picked) throw new UsageError([picked.issue]);
  return picked.bucket;
}

/** A bucket's tags; undefined for a bucket without tags or one this account cannot read (other Region). */
async function bucketTags(s3: S3Client, bucket: string): Promise<Record<string, string> | undefined> {
  try {
    const res = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    return Object.fromEntries((res.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch {
    return undefined;
  }
}

/** The KMS key of the bucket's default encryption; a bucket without SSE-KMS is refused. */
async function bucketKmsKey(s3: S3Client, bucket: string): Promise<string> {
  const res = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })).catch((e: Error) => {
    if (e.name === 'NoSuchBucket') {
      throw usageError('--bucket', 'bucket', `bucket ${bucket} does not exist`, 'pass an existing bucket');
    }
    if (e.name === 'ServerSideEncryptionConfigurationNotFoundError') return undefined;
    throw e;
  });
  const rule = res?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  if (rule?.SSEAlgorithm !== 'aws:kms' || !rule.KMSMasterKeyID) {
    throw usageError(
      '--bucket',
      'bucket',
      `bucket ${bucket} has no default SSE-KMS encryption with a KMS key`,
      "use the source's truststore bucket (the stack creates it with its own KMS key), or give this bucket a KMS default encryption",
    );
  }
  return rule.KMSMasterKeyID;
}
