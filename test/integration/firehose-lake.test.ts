/**
 * Firehose → S3 against the test bed (real broker + moto's Firehose and S3), read back object by object
 * with the local run's reader (devkit/local/lake.ts):
 * - the local Pipe runner with the Firehose target writes every canonical record, byte-identical to what
 *   the enrichment makes, and the objects read back reconcile by eventId with none missing;
 * - the poller (createPoller, the real adapters) writes a 500-record chunk of ~10 KB records as two
 *   PutRecordBatch calls split at the 4 MiB boundary, one object each;
 * - what moto writes, asserted so that docs/local-run.md stays true: one object per PutRecordBatch call,
 *   uncompressed, records back to back without the AppendDelimiterToRecord newline, under the prefix as
 *   written plus `YYYY/MM/DD/HH/`.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FIREHOSE_REQUEST_MAX_BYTES } from '../../core/firehose-delivery.js';
import { ensureQueue } from '../../devkit/local/aws-resources.js';
import {
  ensureDeliveryStream,
  LOCAL_LAKE_BUCKET,
  type LocalDeliveryStream,
  readLake,
} from '../../devkit/local/lake.js';
import { emptyStats, startPipeRunner } from '../../devkit/local/pipe-runner.js';
import { planSource } from '../../devkit/local/plan.js';
import { createLocalEnrichment, firehoseTarget, quietLogger } from '../../devkit/local/wiring.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import {
  createTopic,
  fixtureTimestamp,
  kafkaConnections,
  produceMessages,
  uniqueName,
} from '../../devkit/testbed/kafka.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { parseSourceFile } from '../../pipes/load-sources.js';
import apicEvent from '../unit/poller/fixtures/apic-event.json' with { type: 'json' };
import {
  drainPartition,
  expectedKinesisData,
  produceApicEvents,
  realPoller,
  setupPollerResources,
} from './poller-fixture.js';

const bed = inject('testbed');
const conns = kafkaConnections(bed);
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
afterAll(() => aws.destroy());

/** The keys and raw bytes of every object under a prefix. */
async function objectsUnder(s3: S3Client, prefix: string): Promise<{ key: string; body: Buffer }[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: LOCAL_LAKE_BUCKET, Prefix: prefix }));
  const out: { key: string; body: Buffer }[] = [];
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: LOCAL_LAKE_BUCKET, Key: o.Key }));
    out.push({ key: o.Key as string, body: Buffer.from((await got.Body?.transformToByteArray()) ?? []) });
  }
  return out;
}

/** A stream of the local run's shape, for a poller test (the prefix without expressions). */
function pollerStream(name: string): LocalDeliveryStream {
  return {
    name: `${name}-lake`,
    bucket: LOCAL_LAKE_BUCKET,
    prefix: `source=${name}/`,
    errorOutputPrefix: `errors/source=${name}/!{firehose:error-output-type}/`,
    listPrefix: `source=${name}/`,
    bufferingIntervalSeconds: 60,
    bufferingSizeMiB: 64,
  };
}

describe('Firehose → S3 on moto', () => {
  it('local Pipe runner: every canonical record lands in S3 byte-identical, none missing', async () => {
    // Arrange
    const name = uniqueName('lake-pipe');
    await createTopic(conns.plaintext, name, 1);
    const source = parseSourceFile(
      [
        `name: ${name}`,
        'kind: self-managed',
        'brokers: [b1.example.com:9092]',
        `topic: ${name}`,
        `consumerGroupId: ${name}-group`,
        'batchSize: 100',
        'batchingWindowSeconds: 1',
        'target: { type: firehose, partitionKey: record-key, bufferingIntervalSeconds: 60 }',
      ].join('\n'),
      'lake.yaml',
    );
    const plan = planSource(source);
    const ds = plan.deliveryStream as LocalDeliveryStream;
    await ensureDeliveryStream(aws, ds);
    const dlqUrl = await ensureQueue(aws.sqs, `${name}-dlq`);
    const stats = emptyStats();
    const runner = await startPipeRunner({
      plan,
      connection: conns.plaintext,
      stats,
      enrich: await createLocalEnrichment(plan, aws.sqs, dlqUrl, quietLogger()),
      target: firehoseTarget(aws.firehose, ds.name),
    });

    // Act
    const produced = await produceApicEvents(conns.plaintext, name, 1, 250);
    for (let i = 0; i < 150 && (stats.consumed < 250 || runner.inFlight() > 0); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await runner.stop({ drain: true });
    const lake = await readLake(aws, ds, { expected: 250, buffered: false });
    const objects = await objectsUnder(aws.s3, ds.listPrefix);

    // Assert: byte-identical to the enrichment's output, every eventId once
    const expected = expectedKinesisData(
      {
        eventSource: 'SelfManagedKafka',
        cluster: 'b1.example.com:9092',
        sourceName: name,
      } as PollerRuntimeConfig,
      name,
      produced,
    );
    expect(stats).toMatchObject({ consumed: 250, delivered: 250, enrichmentDlq: 0 });
    expect(lake.records.map((r) => r.json).sort()).toEqual(expected);
    expect(new Set(lake.records.map((r) => r.eventId)).size).toBe(250);
    expect(lake).toMatchObject({ unparsed: 0, objects: objects.length });
    expect(lake.bytes).toBe(objects.reduce((n, o) => n + o.body.byteLength, 0));
    // Assert: what moto writes — one uncompressed object per PutRecordBatch, no newline, the prefix as
    // written (expression unevaluated) plus YYYY/MM/DD/HH/
    expect(objects.length).toBeGreaterThanOrEqual(3);
    expect(lake).toMatchObject({ gzipObjects: 0, newlineDelimitedObjects: 0 });
    for (const o of objects) {
      expect(o.key.startsWith(`source=${name}/dt=!{timestamp:yyyy'-'MM'-'dd}/`)).toBe(true);
      expect(o.key.slice(ds.prefix.length)).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{2}\/[^/]+$/);
      expect(o.body.includes(0x0a)).toBe(false);
      expect(o.body.subarray(0, 2).toString()).toBe('{"');
    }
  });

  it('poller: a 500-record chunk over 4 MiB is split into two PutRecordBatch calls at the boundary, one object each', async () => {
    // Arrange: 500 records of ~10 KB canonical JSON (≈ 5 MB) on one partition
    const base = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      1,
    );
    const { streamName, ...rest } = base;
    const ds = pollerStream(streamName);
    await ensureDeliveryStream(aws, ds);
    const config: PollerRuntimeConfig = { ...rest, deliveryStreamName: ds.name };
    const now = Date.now();
    const messages = Array.from({ length: 500 }, (_, i) => ({
      partition: 0,
      key: `k${i}`,
      value: JSON.stringify({ ...apicEvent, transaction_id: `t${i}`, blob: 'x'.repeat(8_000) }),
      timestamp: fixtureTimestamp(i, now),
      headers: {},
    }));
    for (let i = 0; i < messages.length; i += 50)
      await produceMessages(conns.plaintext, base.topic, messages.slice(i, i + 50));
    const poll = realPoller(config, aws);

    // Act
    const responses = await drainPartition(poll, 0);
    const lake = await readLake(aws, ds, { expected: 500, buffered: false });
    const objects = await objectsUnder(aws.s3, ds.listPrefix);

    // Assert: every record once; two objects (one per call), the first as full as 4 MiB allows
    expect(responses.reduce((n, r) => n + r.counts.delivered, 0)).toBe(500);
    expect(lake).toMatchObject({ objects: 2, unparsed: 0 });
    expect(new Set(lake.records.map((r) => r.eventId)).size).toBe(500);
    const byObject = objects
      .map((o) => {
        const offsets = lake.records
          .filter((r) => o.body.includes(Buffer.from(r.json)))
          .map((r) => Number((JSON.parse(r.json) as { kafka: { offset: string } }).kafka.offset));
        return { bytes: o.body.byteLength, first: Math.min(...offsets), count: offsets.length };
      })
      .sort((a, b) => a.first - b.first);
    expect(byObject.map((o) => o.count).reduce((a, b) => a + b)).toBe(500);
    const [first, second] = byObject as [(typeof byObject)[number], (typeof byObject)[number]];
    expect(first.bytes).toBeLessThanOrEqual(FIREHOSE_REQUEST_MAX_BYTES);
    const nextRecord = lake.records.find(
      (r) => (JSON.parse(r.json) as { kafka: { offset: string } }).kafka.offset === String(second.first),
    );
    expect(first.bytes + Buffer.byteLength(nextRecord?.json ?? '')).toBeGreaterThan(
      FIREHOSE_REQUEST_MAX_BYTES,
    );
    expect(first.count).toBeGreaterThan(300);
  });
});
