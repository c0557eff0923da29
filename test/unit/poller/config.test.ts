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
  ])('rejects %j', (env, message) => {
    expect(() => readPollerEnv(env)).toThrow(message);
  });
});
