/**
 * Schema-registry sources in a synthesized stack: the decoding Lambdas' grants (glue:GetSchemaVersion for
 * a Glue registry, secretsmanager:GetSecretValue on exactly the Confluent credentials and root CA
 * secrets), the VPC placement of a registry reachable only inside a VPC (the enrichment Lambda of a Pipe,
 * the poller Lambda of a poller source) and of an MSK poller source with `vpc`, with the ENI actions, and
 * the whole stack cdk-nag and cfn-lint clean.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LAMBDA_VPC_ACTIONS } from '../../pipes/lambda-vpc.construct.js';
import { validateSourceTexts } from '../../pipes/load-sources.js';
import {
  logicalId,
  nagReport,
  policyStatements,
  type Synthesized,
  synthEnvironment,
} from './pipes-helpers.js';

const CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:cluster/apic/abcd-1234';
const BASIC = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry/basic-AbCdEf';
const CA = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry/ca-GhIjKl';
const URL = 'https://registry.internal.example.com:8081';
const CMK = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SOURCE_VPC = {
  subnetIds: ['subnet-0a1b2c3d', 'subnet-0b2c3d4e5f6071829'],
  securityGroupIds: ['sg-0c3d4e5f'],
};
const REGISTRY_VPC = { subnetIds: ['subnet-0d4e5f60'], securityGroupIds: ['sg-0e5f6071829a3b4c5'] };
const confluent = (vpc: unknown) => ({
  type: 'confluent',
  url: URL,
  auth: { type: 'basic', secret: BASIC },
  rootCaSecret: CA,
  vpc,
});

const { sources, issues } = validateSourceTexts(
  [
    {
      name: 'glue-avro',
      kind: 'msk',
      clusterArn: CLUSTER,
      auth: { type: 'iam' },
      topic: 'apic.avro',
      value: { format: 'avro', registry: { type: 'glue', registryName: 'apic-events' }, fallback: 'json' },
      target: { type: 'kinesis' },
    },
    {
      name: 'private-json',
      kind: 'self-managed',
      brokers: ['kafka-1.internal.example.com:9093'],
      auth: { type: 'none' },
      vpc: SOURCE_VPC,
      topic: 'apic.json',
      value: { format: 'json-schema', registry: confluent(true) },
      target: { type: 'kinesis' },
    },
    {
      name: 'msk-private',
      kind: 'msk',
      clusterArn: CLUSTER,
      auth: { type: 'iam' },
      topic: 'apic.private',
      value: { format: 'avro', registry: { ...confluent(REGISTRY_VPC), kmsKeyArn: CMK } },
      target: { type: 'kinesis' },
    },
    {
      name: 'poller-private',
      kind: 'self-managed',
      brokers: ['kafka-1.internal.example.com:9093'],
      auth: { type: 'none' },
      vpc: SOURCE_VPC,
      topic: 'apic.poller',
      engine: 'poller',
      poller: {},
      value: { format: 'json-schema', registry: confluent(true) },
      target: { type: 'kinesis' },
    },
    {
      name: 'msk-poller-vpc',
      kind: 'msk',
      clusterArn: CLUSTER,
      auth: { type: 'iam' },
      vpc: SOURCE_VPC,
      topic: 'apic.msk-poller',
      engine: 'poller',
      poller: {},
      target: { type: 'kinesis' },
    },
  ].map((s) => ({ file: `pipes/sources/${s.name}.yaml`, text: stringify(s) })),
);

let synth: Synthesized;
beforeAll(async () => {
  synth = await synthEnvironment({ environment: 'dev', sources });
});

function enrichment(name: string) {
  const kp = synth.stack.pipes.get(name);
  if (!kp) throw new Error(`no pipe ${name}`);
  const fn = synth.template.toJSON().Resources[logicalId(synth.stack, kp.enrichmentFunction)] as {
    Properties: { VpcConfig?: unknown; Role: { 'Fn::GetAtt': [string, string] } };
  };
  return { fn, statements: policyStatements(synth.template, fn.Properties.Role['Fn::GetAtt'][0]) };
}

const sids = (statements: unknown[]) => statements.map((s) => (s as { Sid: string }).Sid);
const vpcStatement = {
  Sid: 'VpcNetworkInterfaces',
  Effect: 'Allow',
  Action: [...LAMBDA_VPC_ACTIONS].sort(),
  Resource: '*',
};
const secretsStatement = {
  Sid: 'ReadSchemaRegistrySecrets',
  Effect: 'Allow',
  Action: 'secretsmanager:GetSecretValue',
  Resource: [BASIC, CA],
};

describe('schema-registry sources in the stack', () => {
  it('accepts the five sources', () => {
    expect(issues).toEqual([]);
    expect([...synth.stack.pipes.keys()].sort()).toEqual(['glue-avro', 'msk-private', 'private-json']);
    expect([...synth.stack.pollers.keys()].sort()).toEqual(['msk-poller-vpc', 'poller-private']);
  });

  it('a Glue source: glue:GetSchemaVersion, no secrets, no VPC', () => {
    const { fn, statements } = enrichment('glue-avro');
    expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(statements).toContainEqual({
      Sid: 'ReadGlueSchemaVersions',
      Effect: 'Allow',
      Action: 'glue:GetSchemaVersion',
      Resource: '*',
    });
    expect(sids(statements)).not.toContain('ReadSchemaRegistrySecrets');
    expect(sids(statements)).not.toContain('VpcNetworkInterfaces');
  });

  it("vpc: true: the enrichment joins the source's subnets, reads exactly the registry secrets", () => {
    const { fn, statements } = enrichment('private-json');
    expect(fn.Properties.VpcConfig).toEqual({
      SubnetIds: SOURCE_VPC.subnetIds,
      SecurityGroupIds: SOURCE_VPC.securityGroupIds,
    });
    expect(statements).toContainEqual(vpcStatement);
    expect(statements).toContainEqual(secretsStatement);
    const secretActions = statements.filter((s) =>
      JSON.stringify((s as { Action: unknown }).Action).includes('secretsmanager'),
    );
    expect(secretActions).toEqual([secretsStatement]);
    expect(sids(statements)).not.toContain('ReadGlueSchemaVersions');
  });

  it('an MSK source: the enrichment joins the subnets the registry block gives, decrypts with its key', () => {
    const { fn, statements } = enrichment('msk-private');
    expect(fn.Properties.VpcConfig).toEqual({
      SubnetIds: REGISTRY_VPC.subnetIds,
      SecurityGroupIds: REGISTRY_VPC.securityGroupIds,
    });
    expect(statements).toContainEqual(vpcStatement);
    expect(statements).toContainEqual(secretsStatement);
    expect(statements).toContainEqual({
      Sid: 'DecryptSchemaRegistrySecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: CMK,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
    });
    expect(sids(enrichment('private-json').statements)).not.toContain('DecryptSchemaRegistrySecrets');
  });

  function pollerFunction(name: string) {
    const poller = synth.stack.pollers.get(name);
    if (!poller) throw new Error(`no poller ${name}`);
    const fn = synth.template.toJSON().Resources[logicalId(synth.stack, poller.function)] as {
      Properties: { VpcConfig?: unknown; Role: { 'Fn::GetAtt': [string, string] } };
    };
    return { fn, statements: policyStatements(synth.template, fn.Properties.Role['Fn::GetAtt'][0]) };
  }

  it("a poller source: the poller Lambda is in the source's VPC and reads the registry secrets", () => {
    const { fn, statements } = pollerFunction('poller-private');
    expect(fn.Properties.VpcConfig).toEqual({
      SubnetIds: SOURCE_VPC.subnetIds,
      SecurityGroupIds: SOURCE_VPC.securityGroupIds,
    });
    expect(statements).toContainEqual(vpcStatement);
    expect(statements).toContainEqual(secretsStatement);
  });

  it("an MSK poller source with vpc: the poller Lambda is in the cluster's VPC with the ENI actions", () => {
    const { fn, statements } = pollerFunction('msk-poller-vpc');
    expect(fn.Properties.VpcConfig).toEqual({
      SubnetIds: SOURCE_VPC.subnetIds,
      SecurityGroupIds: SOURCE_VPC.securityGroupIds,
    });
    expect(statements).toContainEqual(vpcStatement);
    expect(sids(statements)).not.toContain('ReadSchemaRegistrySecrets');
  });
});

describe('schema-registry stack checks', () => {
  it('has zero unacknowledged cdk-nag findings', async () => {
    const { ok, report } = await nagReport({ environment: 'prod', sources });
    expect(ok, report).toBe(true);
  });

  it('passes cfn-lint with zero errors', async () => {
    const { runCfnLint } = await import('../harness/cfn-lint.js');
    const lint = await runCfnLint(synth.templatePath);
    expect(lint.errors, lint.output).toEqual([]);
  });
});
