/**
 * The `secret-full-arn` rule (pipes/secret-refs.ts): what is deployed names every secret by its full ARN;
 * the loader refuses a name or a partial ARN unless the caller only reads the source.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { resolveSource } from '../../../cli/shared/sources.js';
import { validateSourceTexts } from '../../../pipes/load-sources.js';
import { isFullSecretArn, secretArnRule } from '../../../pipes/secret-refs.js';
import type { SourceConfig } from '../../../pipes/source-schema.js';

const FILE = 'pipes/sources/orders.yaml';
const PREFIX = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:';
const FULL = `${PREFIX}kafka/orders/client-AbCdEf`;

const raw = (auth: string, extra: Record<string, unknown> = {}) => ({
  name: 'orders',
  kind: 'self-managed',
  brokers: ['b1:9093'],
  topic: 'orders',
  auth: { type: 'mtls', secret: auth },
  target: { type: 'kinesis' },
  ...extra,
});

describe('isFullSecretArn', () => {
  it.each([
    ['a full ARN', FULL, true],
    [
      'a full ARN in another partition',
      'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-AbC123',
      true,
    ],
    ['a name', 'kafka/orders/client', false],
    ['a name ending in - and 6 characters (not an ARN)', 'kafka/orders-abcdef', false],
    ['a partial ARN (no suffix)', `${PREFIX}kafka/orders/client`, false],
    ['a partial ARN whose suffix is 5 characters', `${PREFIX}kafka/orders/client-AbCdE`, false],
    ['an ARN of another service', 'arn:aws:ssm:eu-west-1:123456789012:parameter/x-AbCdEf', false],
  ])('%s', (_title, ref, expected) => {
    expect(isFullSecretArn(ref)).toBe(expected);
  });
});

describe('secret-full-arn rule', () => {
  const check = (source: Record<string, unknown>) =>
    secretArnRule.check(source as unknown as SourceConfig, { file: FILE });

  it('refuses a name, with the file, the field and both fixes', () => {
    expect(check(raw('kafka/orders/client'))).toEqual([
      {
        file: FILE,
        field: 'auth.secret',
        message:
          'Secret "kafka/orders/client" is a name, not a Secrets Manager ARN; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>)',
        fix: 'run `kafka-pipes preflight orders --write` (writes the full ARN), or set auth.secret to the ARN from `aws secretsmanager describe-secret --secret-id kafka/orders/client --query ARN`',
      },
    ]);
  });

  it('refuses a partial ARN (no 6-character suffix) in rootCaSecret and poller.truststore.secret', () => {
    const partial = `${PREFIX}kafka/orders/root`;
    const issues = check(
      raw(FULL, { rootCaSecret: partial, engine: 'poller', poller: { truststore: { secret: partial } } }),
    );
    expect(issues.map((i) => [i.field, i.message])).toEqual([
      [
        'rootCaSecret',
        `Secret ARN "${partial}" is a partial ARN: its name does not end in the "-" and 6 characters Secrets Manager appends; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>)`,
      ],
      [
        'poller.truststore.secret',
        `Secret ARN "${partial}" is a partial ARN: its name does not end in the "-" and 6 characters Secrets Manager appends; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>)`,
      ],
    ]);
    expect(issues[0]?.fix).toBe(
      `run \`kafka-pipes preflight orders --write\` (writes the full ARN), or set rootCaSecret to the ARN from \`aws secretsmanager describe-secret --secret-id ${partial} --query ARN\``,
    );
  });

  it('accepts full ARNs, including one whose name itself ends in - and 6 characters', () => {
    expect(check(raw(FULL, { rootCaSecret: `${PREFIX}kafka/orders-abcdef` }))).toEqual([]);
  });

  it('refuses a bare name ending in - and 6 characters: only an ARN carries the suffix', () => {
    expect(check(raw('kafka/orders-abcdef')).map((i) => i.field)).toEqual(['auth.secret']);
  });

  it('cites the Secrets Manager page on partial ARNs and concerns only what is deployed', () => {
    expect(secretArnRule.doc).toBe(
      'https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen',
    );
    expect(secretArnRule.deployOnly).toBe(true);
  });
});

describe('the loader and secret names', () => {
  const text = stringify(raw('kafka/orders/client'));

  it('refuses a name by default (cdk synth, what the CLI writes)', () => {
    const { sources, issues } = validateSourceTexts([{ file: FILE, text }]);
    expect(sources).toEqual([]);
    expect(issues.map((i) => `${i.file}: ${i.field}`)).toEqual([`${FILE}: auth.secret`]);
  });

  it('accepts it for a caller that only reads the source (check, dlq replay, the local run)', () => {
    const { sources, issues } = validateSourceTexts([{ file: FILE, text }], { readOnly: true });
    expect(issues).toEqual([]);
    expect(sources.map((s) => s.source.auth.secret)).toEqual(['kafka/orders/client']);
  });

  it('the CLI resolves <source> read-only: check, dlq replay and preflight read the secret by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-name-'));
    writeFileSync(join(dir, 'orders.yaml'), text);
    expect(resolveSource('orders', dir).source.auth.secret).toBe('kafka/orders/client');
  });
});
