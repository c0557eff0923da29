/**
 * The Secrets Manager secrets a source names (`auth.secret`, `rootCaSecret`, `poller.truststore.secret`)
 * and the rule that what the stack deploys names each by its full ARN.
 *
 * Secrets Manager appends `-` and 6 random characters to a secret's name in its ARN; an ARN without them is
 * a partial ARN, which Secrets Manager resolves only while it matches exactly one secret, and a name ending
 * in `-` + 6 characters is taken for a complete ARN
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen).
 * The Pipe's credentials and the IAM grants of the Pipe and poller roles therefore take the full ARN, exact.
 *
 * Runtime-safe: no aws-cdk-lib.
 */
import type { ConfigIssue } from '../core/errors.js';
import { ruleIssue } from './kinds/rule-helpers.js';
import type { ServiceRule } from './kinds/types.js';
import type { SourceConfig } from './source-schema.js';

/** The AWS page on complete and partial secret ARNs. */
export const SECRET_ARN_DOC =
  'https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen';

const ARN_PREFIX = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/;
const FULL_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * Whether a reference is a complete secret ARN: an ARN whose last segment ends in `-` + 6 characters (the
 * suffix Secrets Manager appends). A bare name never is, whatever it ends in.
 * @example isFullSecretArn('arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka/orders-AbCdEf') // true
 */
export function isFullSecretArn(ref: string): boolean {
  return FULL_SECRET_ARN.test(ref);
}

/** One secret reference of a source: the field that holds it and its value. */
export interface SecretRef {
  readonly field: 'auth.secret' | 'rootCaSecret' | 'poller.truststore.secret';
  readonly ref: string;
}

/** The secret references of a source, in file order: auth.secret, rootCaSecret, poller.truststore.secret. */
export function secretRefsOf(
  source: Pick<SourceConfig, 'auth' | 'rootCaSecret'> & Partial<Pick<SourceConfig, 'poller'>>,
): SecretRef[] {
  const truststore = source.poller?.truststore;
  const refs: [SecretRef['field'], string | undefined][] = [
    ['auth.secret', source.auth.secret],
    ['rootCaSecret', source.rootCaSecret],
    ['poller.truststore.secret', truststore && 'secret' in truststore ? truststore.secret : undefined],
  ];
  return refs.flatMap(([field, ref]) => (ref === undefined ? [] : [{ field, ref }]));
}

/** What is wrong with a reference that is not a full ARN: a name, or a partial ARN. */
function problemOf(ref: string): string {
  return ARN_PREFIX.test(ref)
    ? `Secret ARN "${ref}" is a partial ARN: its name does not end in the "-" and 6 characters Secrets Manager appends`
    : `Secret "${ref}" is a name, not a Secrets Manager ARN`;
}

/** The issue of one secret reference that is not a full ARN, naming both ways to write it. */
function secretArnIssue(file: string, sourceName: string, { field, ref }: SecretRef): ConfigIssue {
  return ruleIssue(
    { file },
    field,
    `${problemOf(ref)}; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>)`,
    `run \`kafka-pipes preflight ${sourceName} --write\` (writes the full ARN), or set ${field} to the ARN from \`aws secretsmanager describe-secret --secret-id ${ref} --query ARN\``,
  );
}

/**
 * Every secret the stack deploys is named by its full ARN. Deploy only: `check`, `dlq replay` and the local
 * run read the secret with GetSecretValue themselves, which takes a name.
 */
export const secretArnRule: ServiceRule = {
  id: 'secret-full-arn',
  doc: SECRET_ARN_DOC,
  deployOnly: true,
  check: (source, context) =>
    secretRefsOf(source)
      .filter((s) => !isFullSecretArn(s.ref))
      .map((s) => secretArnIssue(context.file, source.name, s)),
};
