/**
 * The delivery services of the poller (core/delivery-registry.ts): the config field that names the
 * destination picks the service, its limits are known before any client exists, and its client is made by
 * the first call only.
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { DELIVERY_SERVICES, deliveryOf } from '../../../core/delivery-registry.js';
import { PUT_RECORD_BATCH_LIMITS } from '../../../core/firehose-delivery.js';
import { PUT_RECORDS_LIMITS } from '../../../core/kinesis-delivery.js';
import { TARGET_TYPES, targetKind } from '../../../pipes/kinds/registry.js';

/** Lazy clients counting how often each is made; the clients answer every call with one success per record. */
function countingClients() {
  const made = { kinesis: 0, firehose: 0 };
  const sent: string[] = [];
  const answer = (name: string) => ({
    async send(command: { input: { Records: unknown[] } }) {
      sent.push(name);
      const n = command.input.Records.length;
      return {
        Records: Array.from({ length: n }, () => ({})),
        RequestResponses: Array.from({ length: n }, () => ({ RecordId: 'r' })),
      };
    },
  });
  return {
    made,
    sent,
    clients: {
      kinesis: async () => {
        made.kinesis++;
        return answer('kinesis') as unknown as KinesisClient;
      },
      firehose: async () => {
        made.firehose++;
        return answer('firehose') as unknown as FirehoseClient;
      },
    },
  };
}

describe('deliveryOf', () => {
  it.each([
    [{ streamName: 's' }, 'kinesis', PUT_RECORDS_LIMITS],
    [{ deliveryStreamName: 'd' }, 'firehose', PUT_RECORD_BATCH_LIMITS],
  ])('%j → %s with its limits, the client made by the first call', async (config, type, limits) => {
    // Arrange
    const { made, sent, clients } = countingClients();
    const { service, name } = deliveryOf(config);
    // Act
    const sink = service.sink(clients, name);
    const before = { ...made };
    const results = await sink.putRecords([{ partitionKey: 'k', data: new Uint8Array(3) }]);
    await sink.putRecords([{ partitionKey: 'k', data: new Uint8Array(3) }]);
    // Assert
    expect(service.type).toBe(type);
    expect(sink.limits).toEqual(limits);
    expect(before).toEqual({ kinesis: 0, firehose: 0 });
    expect(results).toEqual([{}]);
    expect(sent).toEqual([type, type]);
    expect(made).toEqual({ kinesis: type === 'kinesis' ? 1 : 0, firehose: type === 'firehose' ? 1 : 0 });
  });

  it('refuses a config naming no destination or two', () => {
    const fields = DELIVERY_SERVICES.map((s) => s.configField).join(', ');
    expect(() => deliveryOf({})).toThrow(`set exactly one of ${fields} (received 0)`);
    expect(() => deliveryOf({ streamName: 's', deliveryStreamName: 'd' })).toThrow('(received 2)');
  });
});

describe('target modules and the delivery services', () => {
  it('each target type names the POLLER_CONFIG field of a delivery service and grants exactly its call', () => {
    const fields = DELIVERY_SERVICES.map((s) => s.configField);
    const actionOf = { streamName: 'kinesis:PutRecords', deliveryStreamName: 'firehose:PutRecordBatch' };
    for (const type of TARGET_TYPES) {
      const { configField, grants } = targetKind(type).pollerDelivery;
      expect(fields).toContain(configField);
      const [first] = grants({ arn: 'arn:aws:service:us-east-1:123456789012:thing/x' });
      expect(first).toEqual({
        sid: expect.any(String),
        actions: [actionOf[configField]],
        resources: ['arn:aws:service:us-east-1:123456789012:thing/x'],
      });
    }
  });

  it('grants kms:GenerateDataKey on the stream key only to the Kinesis delivery', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/k';
    const arn = 'arn:aws:kinesis:us-east-1:123456789012:stream/s';
    expect(targetKind('kinesis').pollerDelivery.grants({ arn, keyArn })).toContainEqual({
      sid: 'EncryptStreamRecords',
      actions: ['kms:GenerateDataKey'],
      resources: [keyArn],
    });
    expect(JSON.stringify(targetKind('firehose').pollerDelivery.grants({ arn, keyArn }))).not.toContain(
      'kms:',
    );
  });
});
