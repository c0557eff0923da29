import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../core/errors.js';
import { buildApp } from '../../infra/build-app.js';
import { KafkaPipesStack } from '../../infra/pipes-stack.js';
import { KafkaPipe } from '../../pipes/kafka-pipe.construct.js';
import { loadSourceEntries, validateSourceTexts } from '../../pipes/load-sources.js';

const FILE = 'pipes/sources/orders.yaml';
const sources = validateSourceTexts([
  {
    file: FILE,
    text: stringify({
      name: 'orders',
      kind: 'msk-serverless',
      clusterArn: 'arn:aws:kafka:ap-northeast-1:123456789012:cluster/orders/abcd-1234',
      topic: 'orders',
      auth: { type: 'iam' },
      target: { type: 'kinesis' },
    }),
  },
]).sources;

const stackIn = (region: string) =>
  new KafkaPipesStack(new App(), 'Rules', {
    env: { account: '123456789012', region },
    environment: 'dev',
    sources,
    projectRoot: process.cwd(),
    alarmTopic: false,
    removalPolicy: RemovalPolicy.DESTROY,
  });

describe('service rules that need the stack account and Region', () => {
  it('refuses an MSK cluster in another Region than the stack, naming file, field and fix', () => {
    expect(sources).toHaveLength(1);
    expect(() => stackIn('us-east-1')).toThrow(ConfigError);
    expect(() => stackIn('us-east-1')).toThrow(
      `1 service rule violation for account 123456789012, Region us-east-1:\n${FILE}: clusterArn: Cluster is in account 123456789012, Region ap-northeast-1, but the stack deploys to account 123456789012, Region us-east-1; a Pipe reads MSK clusters of its own account and Region only. Fix: deploy this source with a stack in account 123456789012, Region ap-northeast-1`,
    );
  });

  it('accepts the cluster in the stack Region', () => {
    expect(stackIn('ap-northeast-1').pipes.has('orders')).toBe(true);
  });
});

describe('the example catalogue', () => {
  it('deploys to one account and Region (placeholder 123456789012, us-east-1) with no service rule violation', () => {
    // Arrange: every example source, MSK clusters included (Pipes has no cross-account or cross-Region MSK source)
    const catalogue = loadSourceEntries();
    // Act
    const stack = new KafkaPipesStack(new App(), 'Catalogue', {
      env: { account: '123456789012', region: 'us-east-1' },
      environment: 'dev',
      sources: catalogue,
      projectRoot: process.cwd(),
      alarmTopic: false,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Assert: every pipe source became a Pipe (a violation would have thrown a ConfigError)
    const pipeNames = catalogue
      .filter(({ source }) => source.engine === 'pipe')
      .map(({ source }) => source.name);
    expect(pipeNames.length).toBeGreaterThan(3);
    expect(pipeNames.filter((name) => !stack.pipes.has(name))).toEqual([]);
  });
});

describe('service rules on construct props', () => {
  it('KafkaPipe refuses a source that breaks a rule, though it did not come through the loader', () => {
    // Arrange
    const [loaded] = validateSourceTexts([
      {
        file: FILE,
        text: stringify({
          name: 'orders',
          kind: 'self-managed',
          brokers: ['kafka-1.example.com:9092'],
          topic: 'orders',
          target: { type: 'kinesis' },
        }),
      },
    ]).sources;
    const source = { ...(loaded as NonNullable<typeof loaded>).source, batchSize: 1000 };
    const stack = new Stack(new App(), 'Props');
    const props = {
      source,
      environment: 'dev',
      stream: new Stream(stack, 'S'),
      dataKey: new Key(stack, 'K'),
      code: {
        enrichmentEntry: 'enrichment/handler.ts',
        sinkEntry: 'targets/sink-handler.ts',
        projectRoot: '.',
      },
    };
    // Act
    let error: unknown;
    try {
      new KafkaPipe(stack, 'Orders', props);
    } catch (e) {
      error = e;
    }
    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'Invalid KafkaPipe for source orders:\n<props>: batchSize: Batch size 1000 is above 500, the most a Pipe delivers to a Kinesis stream target in one batch; EventBridge Pipes refuses the pipe. Fix: set batchSize to 500 or less',
    );
  });
});

describe('secrets only by their full ARN (secret-full-arn)', () => {
  const mtls = (secret: string) => ({
    name: 'orders',
    kind: 'self-managed',
    brokers: ['kafka-1.example.com:9094'],
    topic: 'orders',
    auth: { type: 'mtls', secret },
    target: { type: 'kinesis' },
  });

  it('cdk synth refuses a secret given by name, naming the file, the field and the fix', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'kafka-pipes-secret-name-'));
    const file = join(dir, 'orders.yaml');
    writeFileSync(file, stringify(mtls('kafka/orders/client')));
    // Act
    const act = buildApp({ sourcesDir: dir, bundle: false, outdir: join(dir, 'out') });
    // Assert
    await expect(act).rejects.toThrow(ConfigError);
    await expect(act).rejects.toThrow(
      `1 problem in 1 source file:\n${relative(process.cwd(), file)}: auth.secret: Secret "kafka/orders/client" is a name, not a Secrets Manager ARN; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>). Fix: run \`kafka-pipes preflight orders --write\` (writes the full ARN), or set auth.secret to the ARN from \`aws secretsmanager describe-secret --secret-id kafka/orders/client --query ARN\``,
    );
  });

  it('KafkaPipe refuses a partial ARN in props that did not come through the loader', () => {
    // Arrange
    const full = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/orders/client-AbCdEf';
    const partial = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/orders/client';
    const [loaded] = validateSourceTexts([{ file: FILE, text: stringify(mtls(full)) }]).sources;
    const base = (loaded as NonNullable<typeof loaded>).source;
    const source = { ...base, auth: { ...base.auth, secret: partial } };
    const stack = new Stack(new App(), 'Props');
    const props = {
      source,
      environment: 'dev',
      stream: new Stream(stack, 'S'),
      dataKey: new Key(stack, 'K'),
      code: {
        enrichmentEntry: 'enrichment/handler.ts',
        sinkEntry: 'targets/sink-handler.ts',
        projectRoot: '.',
      },
    };
    // Act / Assert
    expect(() => new KafkaPipe(stack, 'Orders', props)).toThrow(
      `Invalid KafkaPipe for source orders:\n<props>: auth.secret: Secret ARN "${partial}" is a partial ARN: its name does not end in the "-" and 6 characters Secrets Manager appends;`,
    );
  });
});
