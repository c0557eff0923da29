/**
 * The poller's offsets behave like a Kafka consumer's (issue 18 items 1–3, 5, 6), against the real broker
 * and moto, each checked with Kafka's own ConsumerGroupCommand (devkit/testbed/consumer-group-command.ts):
 * LATEST commits its start, a partition added later is picked up, a commit above the log end is reset (or
 * fails the poll under `fail`), records deleted before they were read are counted and skipped, a hung
 * Kinesis endpoint ends the poll before the Lambda timeout with the lock released, and a lock table failure
 * on the renew before a commit ends the poll with 503 instead of throwing.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { offsetsOutsideLog } from '../../cli/check/kafka-steps.js';
import { createKafka } from '../../core/kafka/client.js';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import { disconnectQuietly, internalCluster } from '../../core/kafka/internals.js';
import { MemberlessCommitter } from '../../core/kafka/offsets.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { describeGroup } from '../../devkit/testbed/consumer-group-command.js';
import { type FaultProxy, startFaultProxy } from '../../devkit/testbed/fault-proxy.js';
import { kafkaConnections } from '../../devkit/testbed/kafka.js';
import { lazyPollerAwsClients } from '../../fallback-poller/aws-clients.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { createPoller } from '../../fallback-poller/create-poller.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import {
  digest,
  expectedKinesisData,
  kinesisData,
  produceApicEvents,
  RULES,
  realPoller,
  SILENT,
  setupPollerResources,
} from './poller-fixture.js';

const bed = inject('testbed');
const conns = kafkaConnections(bed);
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
printBrokerLogOnFailure(bed.kafka.logFile);
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});
afterAll(() => aws.destroy());

/** The group's offsets as `kafka-consumer-groups --describe` prints them: [CURRENT-OFFSET, LOG-END-OFFSET, LAG]. */
async function groupOffsets(config: PollerRuntimeConfig): Promise<(string | null)[][]> {
  const described = await describeGroup(bed.kafka.plaintext, config.groupId);
  return described.partitions.map((p) => [p.currentOffset, p.logEndOffset, p.lag]);
}

/** Commits `offset` for the group on one partition, as a previous reader would have. */
async function commitAs(config: PollerRuntimeConfig, partition: number, offset: string): Promise<void> {
  const cluster = internalCluster(createKafka(conns.plaintext));
  try {
    await cluster.connect();
    await new MemberlessCommitter(cluster, config.groupId).commit(config.topic, partition, offset);
  } finally {
    await disconnectQuietly(cluster);
  }
}

async function newSource(partitions: number, extra: Partial<PollerRuntimeConfig> = {}) {
  const config = {
    ...(await setupPollerResources(
      bed,
      aws,
      { kind: 'mtls', truststore: 's3-chain', key: 'plain' },
      conns.plaintext,
      partitions,
    )),
    ...extra,
  };
  return config;
}

describe('poller offsets, checked with ConsumerGroupCommand', () => {
  it('LATEST: the first poll commits the log end; records produced between polls are all delivered (item 1)', async () => {
    // Arrange: 40 records exist before the source starts.
    const config = await newSource(1, { startingPosition: 'LATEST' });
    await produceApicEvents(conns.plaintext, config.topic, 1, 40, 1);
    const poll = realPoller(config, aws);

    // Act: first poll, then three rounds of 50 records produced, each followed by a poll.
    const first = await poll({ kafka_partition: 0, iteration: 1 });
    const afterFirst = await groupOffsets(config);
    const later = [];
    const produced = [];
    for (let round = 0; round < 3; round++) {
      produced.push(...(await produceApicEvents(conns.plaintext, config.topic, 1, 50, 10 + round)));
      later.push(await poll({ kafka_partition: 0, iteration: 2 + round }));
    }

    // Assert
    expect(first).toMatchObject({
      statusCode: 204,
      committedOffset: '40',
      reset: { reason: 'no-committed-offset', policy: 'LATEST', to: '40' },
    });
    expect(afterFirst).toEqual([['40', '40', '0']]);
    expect(later.map((r) => [r.statusCode, r.counts.committed])).toEqual([
      [200, 50],
      [200, 50],
      [200, 50],
    ]);
    expect(digest(await kinesisData(aws, config.streamName))).toEqual(
      digest(expectedKinesisData(config, config.topic, produced)),
    );
    expect(await groupOffsets(config)).toEqual([['190', '190', '0']]);
  });

  it('a partition added later gets its start committed when first seen and is read from then on (item 1)', async () => {
    // Arrange: a LATEST source on one partition, drained; then the topic grows to two partitions.
    const config = await newSource(1, { startingPosition: 'LATEST' });
    const poll = realPoller(config, aws);
    await poll({ kafka_partition: 0 });
    const admin = createKafka(conns.plaintext).admin();
    await admin.connect();
    await admin.createPartitions({ topicPartitions: [{ topic: config.topic, count: 2 }] });
    await admin.disconnect();

    // Act: first poll of partition 1 (commits its end), records arrive, second poll.
    const first = await poll({ kafka_partition: 1 });
    const produced = (await produceApicEvents(conns.plaintext, config.topic, 2, 30, 3)).filter(
      (r) => r.partition === 1,
    );
    const second = await poll({ kafka_partition: 1 });

    // Assert
    expect(first).toMatchObject({
      statusCode: 204,
      committedOffset: '0',
      reset: { reason: 'no-committed-offset' },
    });
    expect(second).toMatchObject({ statusCode: 200, counts: { read: 30, committed: 30 } });
    expect((await kinesisData(aws, config.streamName)).length).toBe(produced.length);
    expect(await groupOffsets(config)).toEqual([
      ['0', '30', '30'],
      ['30', '30', '0'],
    ]);
  });

  it('a commit above the log end (LAG −200: topic recreated or truncated) is reported by check and reset to the log start (item 2)', async () => {
    // Arrange: 100 records; the group sits at 300, as after a recreation.
    const config = await newSource(1);
    const produced = await produceApicEvents(conns.plaintext, config.topic, 1, 100, 5);
    await commitAs(config, 0, '300');
    const before = await groupOffsets(config);
    const found = offsetsOutsideLog(await fetchGroupLag(conns.plaintext, config.groupId, config.topic));

    // Act
    const res = await realPoller(config, aws)({ kafka_partition: 0 });

    // Assert
    expect(before).toEqual([['300', '100', '-200']]);
    expect(found?.message).toContain(
      'committed offsets beyond the log end (topic recreated or truncated): partition 0: committed 300 > log end 100',
    );
    expect(res).toMatchObject({
      statusCode: 200,
      counts: { read: 100, committed: 100 },
      reset: { reason: 'above-log-end', policy: 'earliest', from: '300', to: '0', logEnd: '100' },
    });
    expect(digest(await kinesisData(aws, config.streamName))).toEqual(
      digest(expectedKinesisData(config, config.topic, produced)),
    );
    expect(await groupOffsets(config)).toEqual([['100', '100', '0']]);
  });

  it('offsetReset fail: the same commit ends the poll with 503 and leaves the offsets as they were (item 2)', async () => {
    // Arrange
    const config = await newSource(1, { offsetReset: 'fail' });
    await produceApicEvents(conns.plaintext, config.topic, 1, 100, 6);
    await commitAs(config, 0, '300');

    // Act
    const res = await realPoller(config, aws)({ kafka_partition: 0 });

    // Assert
    expect(res).toMatchObject({ statusCode: 503, stopReason: 'offset-out-of-range', counts: { read: 0 } });
    expect(res.detail).toContain('the offset reset policy is fail');
    expect((await kinesisData(aws, config.streamName)).length).toBe(0);
    expect(await groupOffsets(config)).toEqual([['300', '100', '-200']]);
  });

  it('records deleted before they were read are counted, reported by check, and the poll continues from the log start (item 3)', async () => {
    // Arrange: 1,600 records, the group at 10; records 10..1509 deleted (DeleteRecords: what retention does).
    const config = await newSource(1);
    const produced = await produceApicEvents(conns.plaintext, config.topic, 1, 1_600, 7);
    await commitAs(config, 0, '10');
    const admin = createKafka(conns.plaintext).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [config.topic] }); // deleteTopicRecords needs the leaders
    await admin.deleteTopicRecords({ topic: config.topic, partitions: [{ partition: 0, offset: '1510' }] });
    await admin.disconnect();
    const found = offsetsOutsideLog(await fetchGroupLag(conns.plaintext, config.groupId, config.topic));

    // Act
    const res = await realPoller(config, aws)({ kafka_partition: 0 });

    // Assert
    expect(found?.message).toBe(
      'records lost to retention before they were read: partition 0: 1500 records (offsets 10-1509)',
    );
    expect(res).toMatchObject({
      statusCode: 200,
      counts: { read: 90, committed: 90 },
      reset: { reason: 'below-log-start', from: '10', to: '1510', lostToRetention: '1500' },
    });
    expect(digest(await kinesisData(aws, config.streamName))).toEqual(
      digest(expectedKinesisData(config, config.topic, produced.slice(1_510))),
    );
    expect(await groupOffsets(config)).toEqual([['1600', '1600', '0']]);
  });

  it('a Kinesis endpoint that accepts and never answers: the poll ends with 503 before the Lambda timeout, lock released, nothing committed past the start (item 5)', async () => {
    // Arrange: every AWS call of the poller goes through the proxy; PutRecords hangs. The Lambda has 20 s.
    const config = await newSource(1, { safetyMarginMs: 10_000 });
    await produceApicEvents(conns.plaintext, config.topic, 1, 100, 8);
    const proxy = await startFaultProxy(bed.moto.endpoint);
    proxies.push(proxy);
    proxy.setRule((op) => (op.endsWith('.PutRecords') ? 'hang' : 'pass'));
    const clients = lazyPollerAwsClients({ ...aws.config, endpoint: proxy.url });
    const poll = createPoller({ config, clients, rules: async () => RULES, logger: SILENT });
    const started = Date.now();

    // Act
    const res = await poll({ kafka_partition: 0 }, () => 20_000 - (Date.now() - started));
    const tookMs = Date.now() - started;

    // Assert
    expect(tookMs).toBeLessThan(20_000);
    expect(res).toMatchObject({
      statusCode: 503,
      stopReason: 'kinesis-retries-exhausted',
      counts: { read: 100, committed: 0 },
    });
    expect(res.detail).toContain('delivery deadline');
    expect(proxy.seen.filter((s) => s.action === 'hang').length).toBeGreaterThan(0);
    const lock = await aws.dynamodb.send(
      new GetItemCommand({
        TableName: config.lockTable,
        Key: { topic_partition: { S: `${config.topic}_0` } },
      }),
    );
    expect(lock.Item).toBeUndefined();
    expect(await groupOffsets(config)).toEqual([['0', '100', '100']]);
    for (const client of Object.values(clients)) (await client()).destroy();
  });

  it('a lock table failure on the renew before the commit ends the poll with 503, releases the lock, and the next poll delivers (item 6)', async () => {
    // Arrange: the group already committed 0; UpdateItem (the renew) answers 500 through the proxy.
    const config = await newSource(1);
    const produced = await produceApicEvents(conns.plaintext, config.topic, 1, 60, 9);
    await commitAs(config, 0, '0');
    const proxy = await startFaultProxy(bed.moto.endpoint);
    proxies.push(proxy);
    proxy.setRule((op) =>
      op.endsWith('.UpdateItem')
        ? {
            status: 500,
            body: JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
              message: 'injected',
            }),
          }
        : 'pass',
    );
    const clients = lazyPollerAwsClients({ ...aws.config, endpoint: proxy.url });
    const poll = createPoller({ config, clients, rules: async () => RULES, logger: SILENT });

    // Act
    const failed = await poll({ kafka_partition: 0 }, () => 60_000);
    const afterFailure = await groupOffsets(config);
    proxy.setRule(() => 'pass');
    const next = await poll({ kafka_partition: 0 }, () => 60_000);

    // Assert
    expect(failed).toMatchObject({
      statusCode: 503,
      stopReason: 'lock-renew-failed',
      counts: { read: 60, committed: 0 },
    });
    expect(failed.detail).toContain('lock renew before commit failed');
    expect(afterFailure).toEqual([['0', '60', '60']]);
    expect(next).toMatchObject({ statusCode: 200, counts: { read: 60, committed: 60 } });
    const data = await kinesisData(aws, config.streamName);
    expect(digest([...new Set(data)])).toEqual(digest(expectedKinesisData(config, config.topic, produced)));
    expect(await groupOffsets(config)).toEqual([['60', '60', '0']]);
    for (const client of Object.values(clients)) (await client()).destroy();
  });
});
