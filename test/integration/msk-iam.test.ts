/**
 * MSK IAM auth against the test bed's SASL_IAM listener (devkit/testbed/iam-listener.ts): the project's Kafka
 * client (core/kafka/msk-iam-token.ts: AWS's signer; core/kafka/oauthbearer.ts: the OAUTHBEARER exchange)
 * produces and consumes with valid credentials, and a wrong secret key, an expired token and a token signed
 * for another Region (another host) are refused with the broker's reason; a broker that ends sessions every
 * 3 s keeps a long-running consumer reading through re-authentication.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { CheckReport } from '../../cli/check/engine.js';
import { NonRetriableError } from '../../core/errors.js';
import type { KafkaConnection, KafkaSasl } from '../../core/kafka/client.js';
import { consumeMessages } from '../../core/kafka/group-member.js';
import { mskIamSasl } from '../../core/kafka/msk-iam-token.js';
import type { BootstrapBrokers, BootstrapLookup } from '../../core/msk-bootstrap.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { iamConnection } from '../../devkit/testbed/iam-listener.js';
import {
  createTopic,
  fetchClusterMetadata,
  kafkaConnections,
  openProducer,
  produceMessages,
  uniqueName,
} from '../../devkit/testbed/kafka.js';
import { startTestBed, type TestBed } from '../../devkit/testbed/testbed.js';
import { KAFKA_EVENT_SOURCE } from '../../enrichment/kafka-event.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';
import {
  digest,
  drainPartition,
  expectedKinesisData,
  kinesisData,
  produceApicEvents,
  realPoller,
  setupPollerResources,
} from './poller-fixture.js';

const bed = inject('testbed');
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);

/** A token the real signer made 20 minutes ago (it lasted 15). */
async function expiredToken(): Promise<string> {
  const { accessKeyId, secretAccessKey, region } = bed.iam;
  vi.useFakeTimers({ now: Date.now() - 20 * 60_000, toFake: ['Date'] });
  try {
    const sasl = mskIamSasl({ region, credentials: async () => ({ accessKeyId, secretAccessKey }) });
    return (await sasl.oauthBearerProvider()).value;
  } finally {
    vi.useRealTimers();
  }
}

const fixedToken = (value: string): KafkaSasl => ({
  mechanism: 'oauthbearer',
  oauthBearerProvider: async () => ({ value }),
});

describe('MSK IAM (SASL/OAUTHBEARER) against the SASL_IAM listener', () => {
  it('produces and consumes with the bed credentials', async () => {
    // Arrange
    const topic = uniqueName('iam');
    await createTopic(conns.iam, topic, 2);
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `{"n":${i}}` }));

    // Act
    await produceMessages(conns.iam, topic, messages);
    const consumed = await consumeMessages(conns.iam, topic, { count: messages.length, timeoutMs: 30_000 });

    // Assert
    expect(consumed.map((m) => m.value?.toString()).sort()).toEqual(messages.map((m) => m.value).sort());
  });

  it.each([
    {
      name: 'a wrong secret access key',
      conn: () => iamConnection(bed.kafka.saslIam, bed.pki.caChain, { ...bed.iam, secretAccessKey: 'wrong' }),
      reason: /signature does not match \(wrong secret access key\?\)/,
    },
    {
      name: 'an expired token',
      conn: async (): Promise<KafkaConnection> => ({
        ...conns.iam,
        sasl: fixedToken(await expiredToken()),
      }),
      reason: /token expired at \d{4}-\d\d-\d\dT/,
    },
    {
      name: 'a token signed for another Region (host kafka.eu-west-1.amazonaws.com)',
      conn: () => iamConnection(bed.kafka.saslIam, bed.pki.caChain, { ...bed.iam, region: 'eu-west-1' }),
      reason:
        /token signed for host kafka\.eu-west-1\.amazonaws\.com, this cluster is kafka\.us-east-1\.amazonaws\.com \(wrong Region\?\)/,
    },
    {
      name: 'a token that is not a presigned URL',
      conn: () => ({ ...conns.iam, sasl: fixedToken(Buffer.from('hello').toString('base64url')) }),
      reason: /token is not a presigned https URL/,
    },
  ])('refuses $name with the reason, as a SASL error', async ({ conn, reason }) => {
    // Arrange
    const connection = await conn();
    const started = Date.now();

    // Act
    const error = await fetchClusterMetadata(connection).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assert: the broker's RFC 7628 error status, not a broken connection
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error?.message).toMatch(/^SASL OAUTHBEARER authentication failed: /);
    expect(error?.message).toMatch(reason);
  });
});

describe('kafka-pipes check on an MSK Serverless IAM source (default credential chain)', () => {
  const topic = uniqueName('iam-check');
  const saved = { ...process.env };
  let dir: string;
  const run = async (secretAccessKey: string, lookup?: BootstrapLookup) => {
    // The default chain reads the environment first (AWS SDK credential provider chain).
    process.env.AWS_ACCESS_KEY_ID = bed.iam.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    const aws = awsClients(bed.moto.endpoint, bed.moto.region);
    const lambda = new LambdaClient(aws.config);
    try {
      const args = ['--json', '--sources-dir', dir, 'check', 'serverless-iam'];
      const brokers = lookup ? [] : ['--brokers', bed.kafka.saslIam];
      const res = await cli([...args, ...brokers, '--ca', join(dir, 'ca.pem'), '--timeout', '5000'], {
        aws: { ...aws, lambda, ...(lookup ? { mskBootstrap: lookup } : {}) },
      });
      return { code: res.code, report: res.json<CheckReport>() };
    } finally {
      aws.destroy();
      lambda.destroy();
    }
  };
  beforeAll(async () => {
    await createTopic(conns.iam, topic, 2);
    dir = sourcesDir({
      'serverless-iam.yaml': `name: serverless-iam\nkind: msk-serverless\nclusterArn: arn:aws:kafka:${bed.iam.region}:123456789012:cluster/serverless-iam/0a1b2c3d-4e5f-6789-abcd-ef0123456789-s1\ntopic: ${topic}\nauth:\n  type: iam\ntarget:\n  type: kinesis\n`,
    });
    writeFileSync(join(dir, 'ca.pem'), bed.pki.caChain);
  });
  afterAll(() => {
    process.env = saved;
  });

  it('runs every step and authenticates with OAUTHBEARER for the Region of clusterArn', async () => {
    // Act
    const { code, report } = await run(bed.iam.secretAccessKey);

    // Assert
    const byStep = Object.fromEntries(report.steps.map((s) => [s.step, s]));
    expect(code).toBe(0);
    expect(report.steps.map((s) => [s.step, s.status])).toEqual([
      ['dns', 'pass'],
      ['tcp', 'pass'],
      ['tls', 'pass'],
      ['sasl', 'pass'],
      ['metadata', 'pass'],
      ['topic', 'pass'],
      ['partitions', 'pass'],
      ['group', expect.stringMatching(/^(pass|warn)$/)],
    ]);
    expect(byStep.sasl?.message).toBe('authenticated with OAUTHBEARER (token signed for Region us-east-1)');
  });

  it('without --brokers, dials the SASL/IAM bootstrap brokers GetBootstrapBrokers returns for clusterArn', async () => {
    // Arrange: moto has no GetBootstrapBrokers; the lookup port answers as MSK Serverless does
    const asked: string[] = [];
    const lookup: BootstrapLookup = async (clusterArn) => {
      asked.push(clusterArn);
      return { BootstrapBrokerStringSaslIam: bed.kafka.saslIam };
    };

    // Act
    const { code, report } = await run(bed.iam.secretAccessKey, lookup);

    // Assert
    expect(asked).toEqual([
      `arn:aws:kafka:${bed.iam.region}:123456789012:cluster/serverless-iam/0a1b2c3d-4e5f-6789-abcd-ef0123456789-s1`,
    ]);
    expect(code).toBe(0);
    expect(report.steps.map((s) => [s.step, s.target ?? null, s.status])).toEqual([
      ['dns', bed.kafka.saslIam, 'pass'],
      ['tcp', bed.kafka.saslIam, 'pass'],
      ['tls', bed.kafka.saslIam, 'pass'],
      ['sasl', null, 'pass'],
      ['metadata', null, 'pass'],
      ['topic', null, 'pass'],
      ['partitions', null, 'pass'],
      ['group', null, expect.stringMatching(/^(pass|warn)$/)],
    ]);
  });

  it('names the broker reason, the likely causes and the fix when the token is refused', async () => {
    // Act
    const { code, report } = await run('not-the-secret');

    // Assert
    const sasl = report.steps.find((s) => s.step === 'sasl');
    expect(code).toBe(1);
    expect(sasl?.status).toBe('fail');
    expect(sasl?.message).toMatch(
      /^SASL authentication failed: SASL OAUTHBEARER authentication failed: .*signature does not match \(wrong secret access key\?\)/,
    );
    expect(sasl?.cause).toMatch(
      /another Region .*kafka-cluster:Connect .*clock is off by more than 5 minutes/,
    );
    expect(sasl?.fix).toMatch(/aws sts get-caller-identity/);
  });
});

describe('the poller on an MSK Serverless IAM source without brokers (GetBootstrapBrokers)', () => {
  const aws = awsClients(bed.moto.endpoint, bed.moto.region);
  afterAll(() => aws.destroy());
  const arn = `arn:aws:kafka:${bed.iam.region}:123456789012:cluster/iam-poller/0a1b2c3d-4e5f-6789-abcd-ef0123456789-s1`;
  const credentials = async () => ({
    accessKeyId: bed.iam.accessKeyId,
    secretAccessKey: bed.iam.secretAccessKey,
  });
  /** The runtime config the construct writes for such a source: a cluster ARN, no brokers, IAM for its Region. */
  const iamConfig = async (): Promise<PollerRuntimeConfig & { streamName: string }> => {
    const base = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      2,
    );
    const { brokers: _none, ...rest } = base;
    return {
      ...rest,
      clusterArn: arn,
      eventSource: KAFKA_EVENT_SOURCE.msk,
      cluster: arn,
      auth: { type: 'iam', region: bed.iam.region },
    };
  };

  it('dials the SASL/IAM broker string the lookup returns, signs with the credentials, delivers every record', async () => {
    // Arrange: moto has no GetBootstrapBrokers; the lookup port answers as MSK does (one string per listener)
    const config = await iamConfig();
    const asked: string[] = [];
    const bootstrapLookup = async (clusterArn: string): Promise<BootstrapBrokers> => {
      asked.push(clusterArn);
      return { BootstrapBrokerStringTls: bed.kafka.ssl, BootstrapBrokerStringSaslIam: bed.kafka.saslIam };
    };
    const produced = await produceApicEvents(conns.plaintext, config.topic, 2, 150);
    const poll = realPoller(config, aws, { bootstrapLookup, iamCredentials: credentials });

    // Act
    const responses = (await Promise.all([0, 1].map((p) => drainPartition(poll, p)))).flat();

    // Assert: every record once, as the enrichment writes it; one lookup for the container's connection
    expect(responses.reduce((sum, r) => sum + r.counts.delivered, 0)).toBe(300);
    expect(digest(await kinesisData(aws, config.streamName))).toEqual(
      digest(expectedKinesisData(config, config.topic, produced)),
    );
    expect(asked).toEqual([arn]);
  });

  it('fails non-retriably, naming the field and the fix, on a cluster without a SASL/IAM listener', async () => {
    // Arrange
    const config = await iamConfig();
    const poll = realPoller(config, aws, {
      bootstrapLookup: async () => ({ BootstrapBrokerStringTls: bed.kafka.ssl }),
      iamCredentials: credentials,
    });

    // Act
    const error = await poll({ kafka_partition: 0, iteration: 1 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assert
    expect(error).toBeInstanceOf(NonRetriableError);
    expect(error?.message).toMatch(
      /^source apic-test: brokers: Cluster arn:aws:kafka:.* has no bootstrap broker string for auth type iam .*GetBootstrapBrokers returned BootstrapBrokerStringTls\. Fix: turn on IAM role-based authentication/,
    );
  });
});

describe('MSK IAM re-authentication (connections.max.reauth.ms = 3 s)', () => {
  let own: TestBed;
  beforeAll(async () => {
    own = await startTestBed({ iamReauthMs: 3_000 });
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('keeps a consumer and a producer working for 15 s across 5+ session lifetimes', async () => {
    // Arrange: count the authentications (each asks the token provider once)
    const bedIam = kafkaConnections(own).iam;
    const inner = bedIam.sasl as Extract<KafkaSasl, { mechanism: 'oauthbearer' }>;
    let authentications = 0;
    const iam: KafkaConnection = {
      ...bedIam,
      sasl: {
        mechanism: 'oauthbearer',
        oauthBearerProvider: () => {
          authentications++;
          return inner.oauthBearerProvider();
        },
      },
    };
    const topic = uniqueName('reauth');
    await createTopic(iam, topic, 1);
    const producer = await openProducer(iam);
    const total = 15;

    // Act: one record a second for 15 s on one producer connection, read by one long-running consumer
    const reading = consumeMessages(iam, topic, { count: total, timeoutMs: 60_000 });
    try {
      for (let i = 0; i < total; i++) {
        await producer.send(topic, [{ partition: 0, key: `k${i}`, value: `{"n":${i}}` }]);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    } finally {
      await producer.close();
    }
    const consumed = await reading;

    // Assert: every record once, in order, and far more authentications than connections (re-authentication)
    expect(consumed.map((m) => m.value?.toString())).toEqual(
      Array.from({ length: total }, (_, i) => `{"n":${i}}`),
    );
    expect(authentications).toBeGreaterThanOrEqual(10);
  });

  it("documents kafkajs' limit: a threshold at or above the session lifetime breaks the second request", async () => {
    // Arrange: kafkajs' default threshold (10 s) against 3 s sessions: it re-authenticates before every
    // request, and the broker refuses re-authentications less than a second apart
    const conn: KafkaConnection = { ...kafkaConnections(own).iam, reauthenticationThresholdMs: 10_000 };

    // Act
    const error = await fetchClusterMetadata(conn).then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assert
    expect(error?.message).toBe('Request is not valid given the current SASL state');
  });
});
