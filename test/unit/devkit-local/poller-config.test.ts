import { describe, expect, it } from 'vitest';
import { planSource } from '../../../devkit/local/plan.js';
import { pollerConfigOf } from '../../../devkit/local/poller-engine.js';
import { pollerRuntimeSchema } from '../../../fallback-poller/config.js';
import { loadSources } from '../../../pipes/load-sources.js';

describe('pollerConfigOf', () => {
  it('builds the POLLER_CONFIG of the long-chain example the poller accepts', () => {
    // Arrange
    const source = loadSources('pipes/sources').find((s) => s.name === 'onprem-long-chain');
    if (!source) throw new Error('example source onprem-long-chain is missing');
    // Act
    const config = pollerConfigOf({
      plan: planSource(source),
      brokers: ['127.0.0.1:9093'],
      dlqUrl: 'http://127.0.0.1:5000/123456789012/dlq',
      truststoreBucket: 'bucket-local',
      lockTable: 'locks',
    });
    // Assert
    expect(pollerRuntimeSchema.parse(config)).toEqual(config);
    expect(config).toMatchObject({
      sourceName: 'onprem-long-chain',
      groupId: 'ExampleTopic-G2',
      eventSource: 'SelfManagedKafka',
      cluster:
        'kafka-1.legacy.example.com:9093,kafka-2.legacy.example.com:9093,kafka-3.legacy.example.com:9093',
      brokers: ['127.0.0.1:9093'],
      tls: true,
      truststore: { type: 's3', bucket: 'bucket-local', key: 'truststores/legacy-ca-bundle.pem' },
      auth: { type: 'mtls', secret: 'kafka/legacy/client-cert' },
      streamName: 'data-lake-apic-local',
      maxRecordsPerInvocation: 1000,
      lockTtlSeconds: 120,
    });
  });
});
