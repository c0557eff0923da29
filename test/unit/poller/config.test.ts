import { describe, expect, it } from 'vitest';
import { readPollerEnv } from '../../../fallback-poller/config.js';
import { pollerRuntimeConfig } from '../../../fallback-poller/runtime-config.js';
import { parseSourceFile } from '../../../pipes/load-sources.js';

const valid = {
  sourceName: 'apic',
  topic: 't',
  groupId: 'g',
  startingPosition: 'TRIM_HORIZON',
  eventSource: 'SelfManagedKafka',
  cluster: 'b1:9093',
  brokers: ['b1:9093'],
  tls: true,
  truststore: { type: 's3', bucket: 'bucket', key: 'ca.pem' },
  auth: { type: 'mtls', secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:c' },
  partitionKey: 'record-key',
  streamName: 's',
  dlqUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
  lockTable: 'lock',
  maxRecordsPerInvocation: 1000,
  lockTtlSeconds: 120,
};

describe('readPollerEnv', () => {
  it('accepts the construct output', () => {
    expect(readPollerEnv({ POLLER_CONFIG: JSON.stringify(valid) }).sourceName).toBe('apic');
  });

  it('carries offsetReset from the poller block of the source file into POLLER_CONFIG', () => {
    // Arrange
    const source = parseSourceFile(
      [
        'name: legacy',
        'kind: self-managed',
        'brokers: [b1:9093]',
        'topic: t',
        'engine: poller',
        'poller: {offsetReset: fail}',
        'target: {type: kinesis, streamName: s}',
      ].join('\n'),
      'sources/legacy.yaml',
    );
    const resources = { truststoreBucket: 'b', streamName: 's', dlqUrl: valid.dlqUrl, lockTable: 'lock' };

    // Act
    const config = pollerRuntimeConfig(source, resources);

    // Assert
    expect(config.offsetReset).toBe('fail');
    expect(readPollerEnv({ POLLER_CONFIG: JSON.stringify(config) }).offsetReset).toBe('fail');
    expect(() => readPollerEnv({ POLLER_CONFIG: JSON.stringify({ ...valid, offsetReset: 'none' }) })).toThrow(
      /POLLER_CONFIG\.offsetReset/,
    );
  });

  it.each([
    [{}, '<env>: POLLER_CONFIG: is not set. Fix: set POLLER_CONFIG (the construct writes it)'],
    [{ POLLER_CONFIG: '{' }, /^<env>: POLLER_CONFIG: is not JSON: /],
    [
      { POLLER_CONFIG: JSON.stringify({ ...valid, partitionKey: 'random', lockTtlSeconds: 5 }) },
      /POLLER_CONFIG\.partitionKey: must be record-key, topic-partition or field:<path>[\s\S]*POLLER_CONFIG\.lockTtlSeconds/,
    ],
    [
      { POLLER_CONFIG: JSON.stringify({ ...valid, auth: { type: 'mtls' } }) },
      '<env>: POLLER_CONFIG.auth.secret: auth type mtls needs its secret. Fix: fix POLLER_CONFIG.auth.secret',
    ],
    [
      { POLLER_CONFIG: JSON.stringify({ ...valid, auth: { type: 'none', secret: 's' } }) },
      '<env>: POLLER_CONFIG.auth.secret: auth type none takes no secret. Fix: fix POLLER_CONFIG.auth.secret',
    ],
    [{ POLLER_CONFIG: JSON.stringify({ ...valid, auth: { type: 'oauth' } }) }, /POLLER_CONFIG\.auth\.type: /],
    [
      { POLLER_CONFIG: JSON.stringify({ ...valid, auth: { type: 'iam', region: 'us-east' } }) },
      /POLLER_CONFIG\.auth\.region: /,
    ],
    [
      { POLLER_CONFIG: JSON.stringify({ ...valid, brokers: undefined }) },
      '<env>: POLLER_CONFIG.brokers: set brokers, or clusterArn to look them up. Fix: fix POLLER_CONFIG.brokers',
    ],
    [
      { POLLER_CONFIG: JSON.stringify({ ...valid, brokers: undefined, clusterArn: 'arn:aws:s3:::b' }) },
      /POLLER_CONFIG\.clusterArn: /,
    ],
  ])('rejects %j', (env, message) => {
    expect(() => readPollerEnv(env)).toThrow(message);
  });

  it('an MSK source without brokers: the poller looks them up for clusterArn; brokers in the file override', () => {
    // Arrange
    const arn = 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-s1';
    const file = (extra: string[]) =>
      parseSourceFile(
        [
          'name: orders-iam',
          'kind: msk-serverless',
          `clusterArn: ${arn}`,
          'topic: orders',
          'auth: {type: iam}',
          'engine: poller',
          'poller: {}',
          'target: {type: kinesis, streamName: s}',
          ...extra,
        ].join('\n'),
        'sources/orders-iam.yaml',
      );
    const resources = { truststoreBucket: 'b', streamName: 's', dlqUrl: valid.dlqUrl, lockTable: 'lock' };

    // Act
    const lookedUp = pollerRuntimeConfig(file([]), resources);
    const overridden = pollerRuntimeConfig(file(['brokers: [b-1.orders:9098]']), resources);

    // Assert
    expect([lookedUp.brokers, lookedUp.clusterArn, lookedUp.auth]).toEqual([
      undefined,
      arn,
      { type: 'iam', region: 'us-east-1' },
    ]);
    expect(readPollerEnv({ POLLER_CONFIG: JSON.stringify(lookedUp) }).clusterArn).toBe(arn);
    expect([overridden.brokers, overridden.clusterArn]).toEqual([['b-1.orders:9098'], undefined]);
  });
});
