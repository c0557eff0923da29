/**
 * Broker restart in the middle of a poll (own test bed, restarted on the same ports and data dir):
 * every record still reaches Kinesis; duplicates (redelivered, uncommitted records) are counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
