/**
 * `kafka-pipes secret build <source>`: builds the client certificate secret and the root CA secret of a
 * source from local files (cli/secret/plan.ts), prints them, or with `--put` creates or updates them in
 * Secrets Manager (encrypted with the source's auth.kmsKeyArn when set) and writes their full ARNs into the
 * source file (yaml Document API: comments and layout kept; validated with the synth's loader).
 */
import { writeFileSync } from 'node:fs';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  type SecretsManagerClient,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { type Command, Option } from 'commander';
import { secretArnRule } from '../../pipes/secret-refs.js';
import { SOURCE_TAG_KEY } from '../../pipes/source-schema.js';
import type { PemInput } from '../preflight/engine.js';
import { applySourceEdits } from '../preflight/write-plan.js';
import { type CertFilePart, readCertFile } from '../shared/cert-file.js';
import { type ActionWrapper, SOURCE_ARGUMENT } from '../shared/commander.js';
import { EXIT_CODES, type ExitCode, type Output, UsageError, usageError } from '../shared/output.js';
import { type PasswordFlags, passwordFromFlags } from '../shared/password.js';
import { resolveSource } from '../shared/sources.js';
import { type BuiltSecret, planSecretBuild, type SecretField, secretEdits } from './plan.js';

/** Flags of `secret build`. */
export interface SecretBuildFlags extends PasswordFlags {
  readonly cert?: string;
  readonly key?: string;
  readonly keyPassword?: string;
  readonly ca?: string;
  readonly put?: boolean;
  readonly sourcesDir?: string;
}

/** Adds `secret build`. */
export function registerSecret(program: Command, action: ActionWrapper, now?: () => Date): void {
  program
    .command('secret')
    .description('the Secrets Manager secrets a source reads')
    .command('build')
    .description(
      'build the client certificate secret and the root CA secret from files; --put stores them and records their ARNs',
    )
    .argument(SOURCE_ARGUMENT.name, SOURCE_ARGUMENT.description)
    .option('--cert <file>', 'client certificate chain (PEM, or a keystore / DER file)')
    .option('--key <file>', 'client private key (PEM PKCS#8, or a keystore / DER file)')
    .addOption(
      new Option('--key-password <password>', 'privateKeyPassword of an encrypted key').env(
        'KAFKA_PIPES_KEY_PASSWORD',
      ),
    )
    .option('--ca <file>', 'CA certificates of the brokers, for the root CA secret')
    .addOption(
      new Option('--password <password>', 'password of a keystore given as a file').env(
        'KAFKA_PIPES_KEYSTORE_PASSWORD',
      ),
    )
    .option('--password-file <file>', 'file whose first line is the keystore password')
    .option(
      '--put',
      'create or update the secrets in Secrets Manager and write their ARNs into the source file',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 built (and stored) · 2 bad flags, files or material (the fix is printed) · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: SecretBuildFlags) =>
        secretBuild(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws.secretsManager, now),
      ),
    );
}

/** Runs `secret build`; returns the exit code. */
export async function secretBuild(
  ref: string,
  flags: SecretBuildFlags,
  out: Output,
  sm: SecretsManagerClient,
  now: () => Date = () => new Date(),
): Promise<ExitCode> {
  const { file, text, source } = resolveSource(ref, flags.sourcesDir);
  const password = passwordFromFlags(flags);
  const read = (field: string, path: string | undefined, part: CertFilePart) =>
    path === undefined
      ? undefined
      : pemOf(readCertFile({ field, path, part, ...(password !== undefined ? { password } : {}) }));
  const plan = planSecretBuild({
    file,
    source,
    ...withValue('clientCertificate', read('--cert', flags.cert, 'client-chain')),
    ...withValue('clientKey', read('--key', flags.key, 'client-key')),
    ...withValue('clientKeyPassword', flags.keyPassword),
    ...withValue('trustBundle', read('--ca', flags.ca, 'certificates')),
    now: now(),
  });
  if ('issues' in plan) throw new UsageError(plan.issues);
  for (const w of plan.warnings) out.error(`warning ${w.message}${w.fix ? `. Fix: ${w.fix}` : ''}`);
  if (!flags.put) {
    printBuilt(out, file, plan.secrets);
    return EXIT_CODES.ok;
  }
  // The file written after the put must synth: any other secret it names by name is refused first.
  const putFields = new Set<string>(plan.secrets.map((s) => s.field));
  const names = secretArnRule.check(source, { file }).filter((i) => !putFields.has(i.field));
  if (names.length > 0) throw new UsageError(names);
  const stored: StoredSecret[] = [];
  for (const s of plan.secrets) stored.push(await putSecret(sm, s, source.name, source.auth.kmsKeyArn));
  const arns = Object.fromEntries(stored.map((s) => [s.field, s.arn])) as Partial<
    Record<SecretField, string>
  >;
  const edits = secretEdits(source, arns);
  if (edits.length > 0) writeFileSync(file, applySourceEdits(text, file, edits));
  printStored(
    out,
    file,
    stored,
    edits.map((e) => e.path.join('.')),
    source.name,
  );
  return EXIT_CODES.ok;
}

const withValue = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** The PEM of a file; a keystore it cannot read is a usage error with the convert command. */
function pemOf(input: PemInput): PemInput {
  const n = input.notPem;
  if (n && !n.readable) {
    throw usageError(
      input.origin.replace(/^file:/, ''),
      n.field,
      `${n.format}, not PEM, which cannot be read ${n.reason ? `(${n.reason})` : ''}`.trim(),
      `pass its password with --password-file <file> (or --password), or convert it: ${n.convert}`,
    );
  }
  return input;
}

/** A secret as stored. */
interface StoredSecret extends BuiltSecret {
  readonly arn: string;
  readonly action: 'created' | 'updated';
  readonly kmsKeyId?: string;
}

/** Creates the secret, or updates its value (and KMS key) when it exists. */
async function putSecret(
  sm: SecretsManagerClient,
  s: BuiltSecret,
  sourceName: string,
  kmsKeyId?: string,
): Promise<StoredSecret> {
  const kms = kmsKeyId ? { KmsKeyId: kmsKeyId } : {};
  const existing = await sm.send(new DescribeSecretCommand({ SecretId: s.secretId })).catch((e: Error) => {
    if (e.name === 'ResourceNotFoundException') return undefined;
    throw e;
  });
  if (existing?.ARN) {
    await sm.send(new UpdateSecretCommand({ SecretId: existing.ARN, SecretString: s.value, ...kms }));
    return {
      ...s,
      arn: existing.ARN,
      action: 'updated',
      ...withValue('kmsKeyId', kmsKeyId ?? existing.KmsKeyId),
    };
  }
  const created = await sm.send(
    new CreateSecretCommand({
      Name: s.secretId,
      Description: s.description,
      SecretString: s.value,
      Tags: [{ Key: SOURCE_TAG_KEY, Value: sourceName }],
      ...kms,
    }),
  );
  if (!created.ARN) throw new Error(`CreateSecret returned no ARN for ${s.secretId}`);
  return { ...s, arn: created.ARN, action: 'created', ...withValue('kmsKeyId', kmsKeyId) };
}

function printBuilt(out: Output, file: string, secrets: readonly BuiltSecret[]): void {
  if (out.json) {
    out.result({
      ok: true,
      file,
      put: false,
      secrets: secrets.map(({ field, secretId, bytes, value }) => ({
        field,
        secretId,
        bytes,
        value: JSON.parse(value) as unknown,
      })),
    });
    return;
  }
  for (const s of secrets) {
    out.line(
      `# ${s.field} (${s.secretId}): ${s.description}, ${s.bytes.toLocaleString('en-US')} bytes (limit 65,536)`,
    );
    out.line(s.value);
  }
  out.line(
    'next: run again with --put to store them in Secrets Manager and record their ARNs in the source file',
  );
}

function printStored(
  out: Output,
  file: string,
  stored: readonly StoredSecret[],
  written: readonly string[],
  name: string,
): void {
  if (out.json) {
    out.result({
      ok: true,
      file,
      put: true,
      secrets: stored.map(({ field, secretId, bytes, arn, action, kmsKeyId }) => ({
        field,
        secretId,
        bytes,
        arn,
        action,
        ...withValue('kmsKeyId', kmsKeyId),
      })),
      written,
    });
    return;
  }
  for (const s of stored) {
    const kms = s.kmsKeyId ? `, KMS key ${s.kmsKeyId}` : ', the account’s aws/secretsmanager key';
    out.line(`${s.action} ${s.field} secret ${s.arn} (${s.bytes.toLocaleString('en-US')} bytes${kms})`);
  }
  out.line(
    written.length > 0 ? `wrote ${written.join(', ')} to ${file}` : `${file} already names these secrets`,
  );
  out.line(`next: kafka-pipes preflight ${name}`);
}
