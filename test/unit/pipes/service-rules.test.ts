import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ConfigIssue } from '../../../core/errors.js';
import { checkServiceRules, serviceRulesOf } from '../../../pipes/kinds/registry.js';
import { loadSourceEntries, validateSourceTexts } from '../../../pipes/load-sources.js';

const FILE = 'pipes/sources/src-a.yaml';
const CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/abcd-1234';
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const secretArn = (name: string, account = '123456789012', region = 'us-east-1') =>
  `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;

const selfManaged = {
  name: 'src-a',
  kind: 'self-managed',
  brokers: ['kafka-1.example.com:9096'],
  topic: 'orders',
  auth: { type: 'sasl-scram-512', secret: secretArn('kafka/orders/scram') },
  target: { type: 'kinesis' },
};
const mskScram = {
  name: 'src-a',
  kind: 'msk',
  clusterArn: CLUSTER,
  topic: 'orders',
  auth: { type: 'sasl-scram-512', secret: secretArn('AmazonMSK_orders'), kmsKeyArn: KMS_KEY },
  target: { type: 'kinesis' },
};

interface RuleCase {
  readonly rule: string;
  readonly source: Record<string, unknown>;
  readonly issues: readonly ConfigIssue[];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const cases: RuleCase[] = [
  {
    rule: 'kinesis-target-batch-size',
    source: { ...selfManaged, batchSize: 1000 },
    issues: [
      {
        file: FILE,
        field: 'batchSize',
        message:
          'Batch size 1000 is above 500, the most a Pipe delivers to a Kinesis stream target in one batch; EventBridge Pipes refuses the pipe',
        fix: 'set batchSize to 500 or less',
      },
    ],
  },
  { rule: 'kinesis-target-batch-size', source: { ...selfManaged, batchSize: 500 }, issues: [] },
  {
    rule: 'self-managed-topic-name',
    source: { ...selfManaged, topic: '.orders' },
    issues: [
      {
        file: FILE,
        field: 'topic',
        message: 'Topic ".orders" starts with "."; the Pipes TopicName pattern refuses a first character "."',
        fix: 'read the topic with engine: poller, or use a topic the Pipes TopicName pattern takes',
      },
    ],
  },
  { rule: 'self-managed-topic-name', source: { ...selfManaged, topic: 'o.rders' }, issues: [] },
  {
    rule: 'self-managed-topic-name',
    source: { ...selfManaged, topic: 'o' },
    issues: [
      {
        file: FILE,
        field: 'topic',
        message:
          'Topic "o" has 1 character; the Pipes TopicName pattern needs a first character and at least one more',
        fix: 'read the topic with engine: poller, or use a topic the Pipes TopicName pattern takes',
      },
    ],
  },
  {
    rule: 'self-managed-topic-name',
    source: { ...selfManaged, topic: '.orders', engine: 'poller', poller: {} },
    issues: [],
  },
  {
    rule: 'msk-topic-name',
    source: { ...mskScram, topic: '.orders' },
    issues: [
      {
        file: FILE,
        field: 'topic',
        message: 'Topic ".orders" starts with "."; the Pipes TopicName pattern refuses a first character "."',
        fix: 'use a topic the Pipes TopicName pattern takes (2-249 characters, letters, digits, ".", "_", "-", not starting with ".")',
      },
    ],
  },
  {
    rule: 'msk-topic-name',
    source: { ...mskScram, topic: 'x' },
    issues: [
      {
        file: FILE,
        field: 'topic',
        message:
          'Topic "x" has 1 character; the Pipes TopicName pattern needs a first character and at least one more',
        fix: 'use a topic the Pipes TopicName pattern takes (2-249 characters, letters, digits, ".", "_", "-", not starting with ".")',
      },
    ],
  },
  { rule: 'msk-topic-name', source: { ...mskScram, topic: 'o.r-d_ers' }, issues: [] },
  {
    rule: 'kinesis-target-batch-size',
    source: { ...selfManaged, batchSize: 1000, target: { type: 'lambda' } },
    issues: [],
  },
  {
    rule: 'msk-scram-secret-name',
    source: { ...mskScram, auth: { ...mskScram.auth, secret: secretArn('kafka/orders/scram') } },
    issues: [
      {
        file: FILE,
        field: 'auth.secret',
        message:
          'Secret "kafka/orders/scram" cannot hold MSK SASL/SCRAM credentials: MSK only takes secrets whose name starts with AmazonMSK_',
        fix: 'store the credentials in a secret named AmazonMSK_<name> (e.g. AmazonMSK_kafka_orders_scram), associate it with the cluster and point auth.secret at it',
      },
    ],
  },
  {
    rule: 'msk-scram-secret-kms-key',
    source: { ...mskScram, auth: { type: 'sasl-scram-512', secret: secretArn('AmazonMSK_orders') } },
    issues: [
      {
        file: FILE,
        field: 'auth.kmsKeyArn',
        message:
          'MSK SASL/SCRAM secrets must be encrypted with a customer managed KMS key (not the default aws/secretsmanager key), and auth.kmsKeyArn is not set',
        fix: 'encrypt the secret with a customer managed symmetric KMS key and set auth.kmsKeyArn to its ARN',
      },
    ],
  },
  {
    rule: 'msk-scram-secret-location',
    source: {
      ...mskScram,
      auth: { ...mskScram.auth, secret: secretArn('AmazonMSK_orders', '210987654321', 'eu-west-1') },
    },
    issues: [
      {
        file: FILE,
        field: 'auth.secret',
        message:
          "Secret is in account 210987654321, Region eu-west-1, but the cluster is in account 123456789012, Region us-east-1; MSK SCRAM secrets must be in the cluster's account and Region",
        fix: 'create the secret in account 123456789012, Region us-east-1 and point auth.secret at it',
      },
    ],
  },
  { rule: 'msk-scram-secret-*', source: mskScram, issues: [] },
  {
    rule: 'msk-scram-secret-* (self-managed SCRAM is not MSK)',
    source: { ...selfManaged, auth: { type: 'sasl-scram-512', secret: secretArn('kafka/orders/scram') } },
    issues: [],
  },
  {
    rule: 'secret-full-arn',
    source: { ...selfManaged, auth: { type: 'sasl-scram-512', secret: 'kafka/orders/scram' } },
    issues: [
      {
        file: FILE,
        field: 'auth.secret',
        message:
          'Secret "kafka/orders/scram" is a name, not a Secrets Manager ARN; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>)',
        fix: 'run `kafka-pipes preflight src-a --write` (writes the full ARN), or set auth.secret to the ARN from `aws secretsmanager describe-secret --secret-id kafka/orders/scram --query ARN`',
      },
    ],
  },
  {
    rule: 'poller-partitions-per-execution',
    source: { ...selfManaged, engine: 'poller', poller: { partitions: range(41) } },
    issues: [
      {
        file: FILE,
        field: 'poller.partitions',
        message:
          "41 partitions are more than one poller execution polls with 4 iterations (40: an inline Map runs 40 iterations at once, and an execution's history holds 25,000 events, 3393 here)",
        fix: "list at most 40 partitions per source (split the topic's partitions over several sources with their own consumer groups), or lower poller.iterations",
      },
    ],
  },
  {
    rule: 'poller-partitions-per-execution',
    source: { ...selfManaged, engine: 'poller', poller: { partitions: range(18), iterations: 60 } },
    issues: [
      {
        file: FILE,
        field: 'poller.partitions',
        message:
          "18 partitions are more than one poller execution polls with 60 iterations (17: an inline Map runs 40 iterations at once, and an execution's history holds 25,000 events, 20659 here)",
        fix: "list at most 17 partitions per source (split the topic's partitions over several sources with their own consumer groups), or lower poller.iterations",
      },
    ],
  },
  {
    rule: 'poller-partitions-per-execution',
    source: { ...selfManaged, engine: 'poller', poller: { partitions: range(17), iterations: 60 } },
    issues: [],
  },
  {
    rule: 'poller-partitions-per-execution',
    source: { ...selfManaged, engine: 'poller', poller: { partitions: 'auto', iterations: 60 } },
    issues: [],
  },
];

describe('AWS service rules of the kind modules', () => {
  it.each(cases)('$rule: $source.kind $source.auth.type', ({ source, issues }) => {
    // Act
    const result = validateSourceTexts([{ file: FILE, text: stringify(source) }]);
    // Assert
    expect(result.issues).toEqual(issues);
    expect(result.sources).toHaveLength(issues.length === 0 ? 1 : 0);
  });

  it('msk-cluster-account-region: refuses an MSK cluster outside the stack account and Region', () => {
    // Arrange
    const [loaded] = validateSourceTexts([{ file: FILE, text: stringify(mskScram) }]).sources;
    const source = loaded?.source as NonNullable<typeof loaded>['source'];
    // Act
    const elsewhere = checkServiceRules(source, { file: FILE, account: '123456789012', region: 'eu-west-1' });
    const here = checkServiceRules(source, { file: FILE, account: '123456789012', region: 'us-east-1' });
    const unknown = checkServiceRules(source, { file: FILE });
    // Assert
    expect(elsewhere).toEqual([
      {
        file: FILE,
        field: 'clusterArn',
        message:
          'Cluster is in account 123456789012, Region us-east-1, but the stack deploys to account 123456789012, Region eu-west-1; a Pipe reads MSK clusters of its own account and Region only',
        fix: 'deploy this source with a stack in account 123456789012, Region us-east-1',
      },
    ]);
    expect(here).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it.each([
    ['self-managed-consumer-group-id', 'self-managed', selfManaged],
    ['msk-consumer-group-id', 'msk', mskScram],
  ])(
    '%s: the Pipes ConsumerGroupID pattern and length, also for props that skip the schema',
    (rule, _kind, raw) => {
      // Arrange: a valid source, then consumer group ids only construct props can carry
      const [loaded] = validateSourceTexts([{ file: FILE, text: stringify(raw) }]).sources;
      const source = loaded?.source as NonNullable<typeof loaded>['source'];
      const check = (consumerGroupId: string) =>
        checkServiceRules({ ...source, consumerGroupId }, { file: '<props>' }).filter(
          (i) => i.field === 'consumerGroupId',
        );
      const fix = 'set consumerGroupId to 1-200 letters, digits, ".", "_", ":" or "-"';
      // Act / Assert
      expect(serviceRulesOf(source).map((r) => r.id)).toContain(rule);
      expect(check('a/b*c:d_e+f=g.h@i-j')).toEqual([]);
      expect(check('g'.repeat(200))).toEqual([]);
      expect(check('g'.repeat(201))).toEqual([
        {
          file: '<props>',
          field: 'consumerGroupId',
          message: `Consumer group "${'g'.repeat(201)}" has 201 characters; the Pipes ConsumerGroupID takes 1 to 200`,
          fix,
        },
      ]);
      expect(check('')).toEqual([
        {
          file: '<props>',
          field: 'consumerGroupId',
          message: 'Consumer group "" has 0 characters; the Pipes ConsumerGroupID takes 1 to 200',
          fix,
        },
      ]);
      expect(check('orders group')).toEqual([
        {
          file: '<props>',
          field: 'consumerGroupId',
          message:
            'Consumer group "orders group" has characters the Pipes ConsumerGroupID pattern refuses (letters, digits and - / * : _ + = . @ only)',
          fix,
        },
      ]);
    },
  );

  it('topic rules: over 249 characters and characters outside the pattern (props that skip the schema)', () => {
    // Arrange
    const [loaded] = validateSourceTexts([{ file: FILE, text: stringify(mskScram) }]).sources;
    const source = loaded?.source as NonNullable<typeof loaded>['source'];
    const check = (topic: string) =>
      checkServiceRules({ ...source, topic }, { file: '<props>' }).map((i) => i.message);
    // Act / Assert
    expect(check('t'.repeat(249))).toEqual([]);
    expect(check('t'.repeat(250))).toEqual([
      `Topic "${'t'.repeat(250)}" has 250 characters; the Pipes TopicName takes at most 249`,
    ]);
    expect(check('or/ders')).toEqual([
      'Topic "or/ders" has characters the Pipes TopicName pattern refuses (after the first: letters, digits, ".", "_", "-")',
    ]);
  });

  it('names an AWS documentation page for every rule, and every rule id is unique', () => {
    const rules = [
      ...serviceRulesOf({
        kind: 'msk',
        auth: { type: 'sasl-scram-512' },
        target: { type: 'kinesis' },
      } as never),
      ...serviceRulesOf({
        kind: 'msk-serverless',
        auth: { type: 'iam' },
        target: { type: 'lambda' },
      } as never),
    ];
    expect(rules.map((r) => r.id)).toEqual([
      'msk-cluster-account-region',
      'msk-topic-name',
      'msk-consumer-group-id',
      'msk-scram-secret-name',
      'msk-scram-secret-kms-key',
      'msk-scram-secret-location',
      'kinesis-target-batch-size',
      'poller-partitions-per-execution',
      'secret-full-arn',
      'msk-cluster-account-region',
      'msk-topic-name',
      'msk-consumer-group-id',
      'poller-partitions-per-execution',
      'secret-full-arn',
    ]);
    for (const rule of rules) expect(rule.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  it('every example source passes every rule', () => {
    const entries = loadSourceEntries('pipes/sources');
    expect(entries.length).toBeGreaterThan(0);
    for (const { file, source } of entries) expect(checkServiceRules(source, { file })).toEqual([]);
  });
});
