/**
 * Broker restart in the middle of a poll (own test bed, restarted on the same ports and data dir):
 * every record still reaches Kinesis; duplicates (redelivered, uncommitted records) are counted. And the
 * connections a warm poller keeps across polls: reused by the next poll, redialed after the broker closed
 * them between polls (a restart closes every connection from the broker's side).
 */
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections } from '../../devkit/testbed/kafka.js';
import { startTestBed, type TestBed } from '../../devkit/testbed/testbed.js';
import type { PollResponse } from '../../fallback-poller/poll-partition.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import {
  digest,
  duplicateCount,
  expectedKinesisData,
  kinesisData,
  produceApicEvents,
  realPoller,
  setupPollerResources,
} from './poller-fixture.js';

let bed: TestBed;
let aws: AwsClients;
beforeAll(async () => {
  bed = await startTestBed();
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
}, 240_000);
afterAll(async () => {
  aws?.destroy();
  await bed?.stop();
});
printBrokerLogOnFailure(() => bed.kafka.logFile);

describe('poller across a broker restart', () => {
  it('loses no record when the broker restarts mid-poll', async () => {
    // Arrange
    const conns = kafkaConnections(bed);
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'mtls', truststore: 's3-chain', key: 'pbes1' },
      conns.plaintext,
      1,
    );
    const produced = await produceApicEvents(conns.plaintext, config.topic, 1, 3_000);
    let putCalls = 0;
    let restarted = false;
    const poll = realPoller({ ...config, maxRecordsPerInvocation: 2_000 }, aws, {
      wrapSink: (sink) => ({
        async putRecords(entries) {
          putCalls++;
          if (putCalls === 2 && !restarted) {
            restarted = true;
            await bed.kafka.restart(); // the reader's connections and the commit path see the broker go away
          }
          return sink.putRecords(entries);
        },
      }),
    });
    // Act: poll until caught up (a poll may fail with a RetriableError, as Step Functions would retry it)
    const responses: (PollResponse | string)[] = [];
    for (let i = 1; i <= 20; i++) {
      try {
        const res = await poll({ kafka_partition: 0, iteration: i });
        responses.push(res);
        if (res.statusCode === 204) break;
      } catch (error) {
        responses.push((error as Error).name);
      }
    }
    // Assert
    const data = await kinesisData(aws, config.streamName);
    expect(restarted).toBe(true);
    expect(digest([...new Set(data)])).toEqual(digest(expectedKinesisData(config, config.topic, produced)));
    expect((await fetchGroupLag(conns.plaintext, config.groupId, config.topic))[0]).toMatchObject({
      committed: '3000',
      lag: '0',
    });
    const last = responses.at(-1) as PollResponse;
    expect(last.statusCode).toBe(204);
    console.info(
      `broker restart: ${responses.length} polls (${responses.map((r) => (typeof r === 'string' ? r : r.statusCode)).join(', ')}), ${duplicateCount(data)} duplicates of ${produced.length} records`,
    );
  });

  it('keeps its Kafka connections across two polls, and redials when the broker closed them between polls', async () => {
    // Arrange: count TLS dials to the broker's mTLS listener (kafkajs dials with tls.connect).
    const conns = kafkaConnections(bed);
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'mtls', truststore: 's3-chain', key: 'pbes1' },
      conns.plaintext,
      1,
    );
    const brokerPort = Number(bed.kafka.ssl.split(':').at(-1));
    const dial = vi.spyOn(tls, 'connect');
    const dials = () => dial.mock.calls.filter(([o]) => (o as { port?: number }).port === brokerPort).length;
    const poll = realPoller(config, aws);
    try {
      await produceApicEvents(conns.plaintext, config.topic, 1, 200, 1);
      const first = await poll({ kafka_partition: 0, iteration: 1 });
      const dialsAfterFirst = dials();

      // Act 1: a second poll in the same process
      await produceApicEvents(conns.plaintext, config.topic, 1, 100, 2);
      const second = await poll({ kafka_partition: 0, iteration: 2 });

      // Assert 1: no new connection
      expect(first.counts).toMatchObject({ read: 200, committed: 200 });
      expect(dialsAfterFirst).toBeGreaterThan(0);
      expect(second.counts).toMatchObject({ read: 100, committed: 100 });
      expect(dials()).toBe(dialsAfterFirst);
      expect(poll.connections()?.stats()).toMatchObject({ created: 1, reused: 1, dropped: 0 });

      // Act 2: the broker closes every connection (restart), then a third poll
      await bed.kafka.restart();
      await produceApicEvents(conns.plaintext, config.topic, 1, 100, 3);
      const third = await poll({ kafka_partition: 0, iteration: 3 });

      // Assert 2: the poll dialed anew and read on, nothing lost or left behind
      expect(third).toMatchObject({ statusCode: 200, counts: { read: 100, committed: 100, failed: 0 } });
      expect(dials()).toBeGreaterThan(dialsAfterFirst);
      expect(new Set(await kinesisData(aws, config.streamName)).size).toBe(400);
      expect((await fetchGroupLag(conns.plaintext, config.groupId, config.topic))[0]).toMatchObject({
        committed: '400',
        lag: '0',
      });
    } finally {
      dial.mockRestore();
      await poll.close();
    }
  });
});
