/**
 * The grants of a Confluent registry's secrets (pipes/record-formats.ts recordFormatsGrants over
 * enrichment/formats/registries/confluent.ts): GetSecretValue on exactly the secrets named, and kms:Decrypt
 * on their customer managed key through Secrets Manager only; a value and a key registry share statements.
 */
import { describe, expect, it } from 'vitest';
import { validateSourceTexts } from '../../../pipes/load-sources.js';
import { recordFormatsGrants } from '../../../pipes/record-formats.js';

const BASE = `name: cmk
kind: self-managed
brokers: [b:9092]
topic: apic-events
target: { type: kinesis }
`;
const LOGIN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:registry/basic-AbCdEf';
const KEY_LOGIN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:registry/key-basic-XyZaBc';
const CA = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:registry/ca-GhIjKl';
const CMK = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CMK2 = 'arn:aws:kms:eu-central-1:123456789012:key/9876abcd-12ab-34cd-56ef-1234567890ab';
const context = { partition: 'aws', account: '123456789012', region: 'eu-west-1' };
const URL = 'https://registry.example.com';

function grantsOf(extra: string) {
  const result = validateSourceTexts([{ file: 'pipes/sources/cmk.yaml', text: BASE + extra }]);
  expect(result.issues).toEqual([]);
  const source = result.sources[0]?.source;
  if (!source) throw new Error('no source');
  return recordFormatsGrants(source, context);
}

describe('Confluent registry secret grants', () => {
  it('a customer managed key: kms:Decrypt through Secrets Manager in the secrets Region', () => {
    expect(
      grantsOf(
        `value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", auth: { type: basic, secret: "${LOGIN}" }, rootCaSecret: "${CA}", kmsKeyArn: "${CMK}" }\n`,
      ),
    ).toEqual([
      {
        sid: 'DecryptSchemaRegistrySecrets',
        actions: ['kms:Decrypt'],
        resources: [CMK],
        conditions: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' } },
      },
      {
        sid: 'ReadSchemaRegistrySecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [LOGIN, CA],
      },
    ]);
  });

  it('without a key, or without secrets, no kms:Decrypt', () => {
    expect(
      grantsOf(
        `value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", auth: { type: basic, secret: "${LOGIN}" } }\n`,
      ),
    ).toEqual([
      { sid: 'ReadSchemaRegistrySecrets', actions: ['secretsmanager:GetSecretValue'], resources: [LOGIN] },
    ]);
    expect(
      grantsOf(
        `value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", kmsKeyArn: "${CMK}" }\n`,
      ),
    ).toEqual([]);
  });

  it('a value and a key registry with their own secrets and keys: one statement each, both resources', () => {
    expect(
      grantsOf(
        `value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", auth: { type: basic, secret: "${LOGIN}" }, kmsKeyArn: "${CMK}" }\nkey:\n  format: avro\n  registry: { type: confluent, url: "${URL}", auth: { type: basic, secret: "${KEY_LOGIN}" }, kmsKeyArn: "${CMK2}" }\n`,
      ),
    ).toEqual([
      {
        sid: 'DecryptSchemaRegistrySecrets',
        actions: ['kms:Decrypt'],
        resources: [CMK, CMK2],
        conditions: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-central-1.amazonaws.com' } },
      },
      {
        sid: 'ReadSchemaRegistrySecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [LOGIN, KEY_LOGIN],
      },
    ]);
  });
});
