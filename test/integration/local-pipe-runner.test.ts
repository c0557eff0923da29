/**
 * The local Pipe runner against the shared test bed (real broker + moto): the event it hands the
 * enrichment is the flat array of the Pipes Kafka source event byte for byte, batches respect batchSize, filtered records
 * are committed but never delivered, a target error retries the whole batch and nothing is committed
 * before the target succeeds.
 */
import { describe, expect, inject, it } from 'vitest';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import { ensureQueue } from '../../devkit/local/aws-resources.js';
import { emptyStats, startPipeRunner } from '../../devkit/local/pipe-runner.js';
import { planSource } from '../../devkit/local/plan.js';
import { createLocalEnrichment, quietLogger } from '../../devkit/local/wiring.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import {
  createTopic,
  fixtureTimestamp,
  kafkaConnections,
  openProducer,
  uniqueName,
} from '../../devkit/testbed/kafka.js';
import type { CanonicalRecord } from '../../enrichment/index.js';
import { parseSourceFile } from '../../pipes/load-sources.js';

const bed = inject('testbed');
const conns = kafkaConnections(bed);

describe('local Pipe runner', () => {
  it('feeds the Pipe event shape, filters, batches and commits only after the target succeeded', async () => {
    // Arrange
    const topic = uniqueName('local-pipe');
    await createTopic(conns.plaintext, topic, 1);
    const source = parseSourceFile(
      [
        `name: pipe-runner-test`,
        `kind: self-managed`,
        `brokers: [b2.example.com:9092, b1.example.com:9092]`,
        `topic: ${topic}`,
        `consumerGroupId: ${topic}-group`,
        `batchSize: 5`,
        `batchingWindowSeconds: 1`,
        `filters:`,
        `  - value: { app_name: [{ prefix: APP1 }] }`,
        `target: { type: kinesis, partitionKey: topic-partition }`,
      ].join('\n'),
      'test.yaml',
    );
    const plan = planSource(source);
    const aws = awsClients(bed.moto.endpoint, bed.moto.region);
    const dlqUrl = await ensureQueue(aws.sqs, `${topic}-dlq`);
    const real = await createLocalEnrichment(plan, aws.sqs, dlqUrl, quietLogger());
    const events: string[] = [];
    const delivered: CanonicalRecord[] = [];
    const lagsWhileFailing: string[] = [];
    let failuresLeft = 2;
    const stats = emptyStats();
    const runner = await startPipeRunner({
      plan,
      connection: conns.plaintext,
      stats,
      retryDelayMs: () => 300,
      enrich: async (event) => {
        events.push(JSON.stringify(event));
        return real(event);
      },
      target: {
        async deliver(records) {
          if (failuresLeft > 0) {
            failuresLeft--;
            const lag = await fetchGroupLag(conns.plaintext, source.consumerGroupId, topic);
            lagsWhileFailing.push(lag.map((l) => l.lag).join(','));
            throw new Error('target unavailable');
          }
          delivered.push(...records);
        },
      },
    });
    const producer = await openProducer(conns.plaintext);
    const apps = [
      'APP1',
      'APP2',
      'APP1',
      'APP1',
      'APP3',
      'APP1',
      'APP1',
      'APP1',
      'APP2',
      'APP1',
      'APP1',
      'APP1',
    ];
    const now = Date.now();
    const messages = apps.map((app, i) => ({
      partition: 0,
      key: i % 2 === 0 ? `k${i}` : null,
      value: JSON.stringify({ app_name: app, status_code: '200 OK', transaction_id: `t${i}` }),
      headers: { h: `v${i}` },
      timestamp: fixtureTimestamp(i, now),
    }));

    // Act
    const where = await producer.send(topic, messages);
    await producer.close();
    for (let i = 0; i < 100 && (stats.consumed < 12 || runner.inFlight() > 0); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await runner.stop({ drain: true });
    const lagAfter = await fetchGroupLag(conns.plaintext, source.consumerGroupId, topic);
    aws.destroy();

    // Assert: the flat array, byte for byte (key order of the Pipes Kafka source event)
    const expectedElement = (i: number) =>
      JSON.stringify({
        eventSource: 'SelfManagedKafka',
        bootstrapServers: 'b2.example.com:9092,b1.example.com:9092',
        eventSourceKey: `${topic}-0`,
        topic,
        partition: '0',
        offset: Number(where[i]?.offset),
        timestamp: Number(fixtureTimestamp(i, now)),
        timestampType: 'CREATE_TIME',
        key: i % 2 === 0 ? Buffer.from(`k${i}`).toString('base64') : null,
        value: Buffer.from(messages[i]?.value as string).toString('base64'),
        headers: [{ h: [...Buffer.from(`v${i}`)] }],
      });
    const passing = apps.map((a, i) => (a === 'APP1' ? i : -1)).filter((i) => i >= 0);
    const uniqueEvents = [...new Set(events)];
    const elements = uniqueEvents.flatMap((e) => (JSON.parse(e) as unknown[]).map((x) => JSON.stringify(x)));
    expect(elements).toEqual(passing.map(expectedElement));
    expect(uniqueEvents.every((e) => (JSON.parse(e) as unknown[]).length <= 5)).toBe(true);
    // The failing batch was retried whole: the first event was sent 3 times (2 failures + success).
    expect(events.filter((e) => e === events[0])).toHaveLength(3);
    // Nothing was committed while the target failed; everything (filtered records too) afterwards.
    expect(lagsWhileFailing).toEqual(['12', '12']);
    expect(lagAfter.map((l) => l.lag)).toEqual(['0']);
    expect(delivered.map((r) => r.kafka.offset)).toEqual(passing.map((i) => where[i]?.offset));
    expect(stats).toMatchObject({ consumed: 12, filtered: 3, delivered: 9, enrichmentDlq: 0, retries: 2 });
  });
});
