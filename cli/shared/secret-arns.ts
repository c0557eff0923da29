/**
 * Secret names → full ARNs for what the CLI writes (issue 12 item 11): EventBridge Pipes takes secret ARNs
 * and Secrets Manager recommends complete ARNs, so `onboard` and `preflight --write` resolve a name with
 * DescribeSecret and write the ARN; when AWS cannot answer they refuse, naming the flag or field that takes
 * a full ARN.
 */
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isFullSecretArn, secretRefsOf } from '../../pipes/secret-refs.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { UsageError } from './output.js';

/** A secret reference of a source and where the operator sets it (a flag, or the field in the file). */
export interface SecretField {
  readonly field: string;
  readonly ref: string;
  readonly setBy: string;
}

/** The secret references of a validated source: auth.secret, rootCaSecret, poller.truststore.secret. */
export function secretFieldsOf(source: SourceConfig, file: string): SecretField[] {
  return secretRefsOf(source).map(({ field, ref }) => ({ field, ref, setBy: `${field} in ${file}` }));
}

/**
 * Resolves every reference that is not a full ARN; returns field → ARN for those.
 * @throws UsageError naming the field and where to give the full ARN when DescribeSecret fails.
 */
export async function resolveSecretArns(
  sm: SecretsManagerClient,
  fields: readonly SecretField[],
  file: string,
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const f of fields.filter((x) => !isFullSecretArn(x.ref))) {
    resolved[f.field] = await describeArn(sm, f, file);
  }
  return resolved;
}

async function describeArn(sm: SecretsManagerClient, f: SecretField, file: string): Promise<string> {
  const example = `arn:aws:secretsmanager:<region>:<account>:secret:${f.ref}-AbCdEf`;
  try {
    const res = await sm.send(new DescribeSecretCommand({ SecretId: f.ref }));
    if (res.ARN) return res.ARN;
    throw new Error('DescribeSecret returned no ARN');
  } catch (e) {
    const err = e as Error;
    const missing = err.name === 'ResourceNotFoundException';
    throw new UsageError([
      {
        file,
        field: f.field,
        message: missing
          ? `secret ${f.ref} does not exist in this account/region, so its full ARN cannot be written`
          : `cannot resolve secret name ${f.ref} to its full ARN (DescribeSecret: ${err.message.split('\n')[0]})`,
        fix: missing
          ? `create the secret (aws secretsmanager create-secret --name ${f.ref} …), check --region, or give its full ARN with ${f.setBy}`
          : `give the full secret ARN (${example}) with ${f.setBy}, or run where AWS is reachable (credentials, --region)`,
      },
    ]);
  }
}
