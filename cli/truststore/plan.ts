/**
 * `kafka-pipes truststore upload` without I/O: checks the bundle (PEM certificates only, never a private key),
 * picks the source's truststore bucket among the tagged candidates, and plans the object key, the SSE-KMS
 * settings and the source-file edit (`poller.truststore.s3Key`).
 */
import type { ConfigIssue } from '../../core/errors.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { parseCertBundle, splitPem } from '../preflight/pem.js';
import { defaultTruststoreKey, type SourceEdit } from '../preflight/write-plan.js';

/** What the bundle check found: the certificates, or the problems that stop the upload. */
export interface BundleCheck {
  readonly certificates: number;
  readonly bytes: number;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Checks a trust bundle before it goes to S3: at least one certificate, every PEM block a valid
 * `CERTIFICATE`, and no private key (a truststore is public material).
 */
export function checkBundle(text: string, file: string): BundleCheck {
  const issues: ConfigIssue[] = [];
  const blocks = splitPem(text);
  const keys = blocks.filter((b) => b.label.includes('PRIVATE KEY'));
  if (keys.length > 0) {
    issues.push({
      file,
      field: '(bundle)',
      message: `the bundle holds ${keys.length} private key block(s) (${keys[0]?.label}); a truststore holds CA certificates only`,
      fix: 'remove every PRIVATE KEY block from the file (the client key belongs in auth.secret) and upload again',
    });
  }
  const other = blocks.filter((b) => b.label !== 'CERTIFICATE' && !b.label.includes('PRIVATE KEY'));
  if (other.length > 0) {
    issues.push({
      file,
      field: '(bundle)',
      message: `the bundle holds ${other.map((b) => b.label).join(', ')} block(s); a truststore holds CERTIFICATE blocks only`,
      fix: 'keep only the -----BEGIN CERTIFICATE----- blocks of the CAs that sign the broker certificates',
    });
  }
  const bundle = parseCertBundle(text);
  for (const error of bundle.errors) {
    issues.push({ file, field: '(bundle)', message: error, fix: 'export the CA certificates again as PEM' });
  }
  if (bundle.certs.length === 0 && bundle.errors.length === 0) {
    issues.push({
      file,
      field: '(bundle)',
      message: 'no CERTIFICATE block found',
      fix: 'pass a PEM file of CA certificates (-----BEGIN CERTIFICATE----- …)',
    });
  }
  return { certificates: bundle.certs.length, bytes: Buffer.byteLength(text, 'utf8'), issues };
}

/** A bucket carrying the source's tag, with the tags that tell environments apart. */
export interface BucketCandidate {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The tag CloudFormation puts on every resource of a stack (its stack name). */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/** Picks the one truststore bucket of a source, or says why there is none or several. */
export function pickBucket(
  sourceName: string,
  candidates: readonly BucketCandidate[],
  stackName: string | undefined,
): { bucket: string } | { issue: ConfigIssue } {
  const matching = stackName ? candidates.filter((c) => c.tags[STACK_NAME_TAG] === stackName) : candidates;
  if (matching.length === 1) return { bucket: (matching[0] as BucketCandidate).name };
  const where = stackName ? ` in stack ${stackName}` : '';
  return {
    issue: {
      file: '--bucket',
      field: 'bucket',
      message:
        matching.length === 0
          ? `no truststore bucket tagged kafka-pipes:source=${sourceName}${where} in this account/region`
          : `${matching.length} truststore buckets are tagged kafka-pipes:source=${sourceName}${where}: ${matching.map((c) => c.name).join(', ')}`,
      fix:
        matching.length === 0
          ? 'deploy the source with engine: poller first (npx cdk deploy creates the bucket), check --region, or pass --bucket <name>'
          : 'pass --env <environment> (the stack KafkaPipes-<environment>) or --bucket <name>',
    },
  };
}

/** The upload to make and the source-file edit that records it. */
export interface UploadPlan {
  readonly bucket: string;
  readonly key: string;
  /** SSE-KMS with the bucket's own key (undefined: the bucket's default encryption applies). */
  readonly kmsKeyId?: string;
  readonly edits: readonly SourceEdit[];
}

/**
 * Plans the upload: the key (`--key`, else the source's current s3Key, else `truststores/<name>.pem`) and the
 * `poller.truststore.s3Key` edit. A source that does not run on the poller is refused: a Pipe reads its CA
 * from rootCaSecret, never from the bucket.
 */
export function planUpload(input: {
  file: string;
  source: SourceConfig;
  bucket: string;
  key?: string;
  kmsKeyId?: string;
}): UploadPlan | { issue: ConfigIssue } {
  const { file, source } = input;
  if (source.engine !== 'poller') {
    return {
      issue: {
        file,
        field: 'engine',
        message: `the source runs on engine ${source.engine}, which reads its CA from rootCaSecret, not from the truststore bucket`,
        fix: `run kafka-pipes preflight ${source.name} --write (it sets engine: poller with poller.truststore.s3Key when the bundle is over 65,536 bytes), then upload again`,
      },
    };
  }
  const current = source.poller?.truststore;
  const key =
    input.key ?? (current && 's3Key' in current ? current.s3Key : defaultTruststoreKey(source.name));
  const edits =
    current && 's3Key' in current && current.s3Key === key
      ? []
      : [{ path: ['poller', 'truststore'], value: { s3Key: key } }];
  return {
    bucket: input.bucket,
    key,
    ...(input.kmsKeyId ? { kmsKeyId: input.kmsKeyId } : {}),
    edits,
  };
}
