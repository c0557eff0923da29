/**
 * devkit/testbed/consumer-group-command.ts against the bed's broker: Kafka's own ConsumerGroupCommand reports
 * the offsets a group committed (memberless OffsetCommit, as the poller commits), including a commit beyond
 * the log end (negative LAG), a partition without a commit, and a group that does not exist.
 */
import { describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../core/kafka/client.js';
import { disconnectQuietly, internalCluster } from '../../core/kafka/internals.js';
import { MemberlessCommitter } from '../../core/kafka/offsets.js';
import { describeGroup } from '../../devkit/testbed/consumer-group-command.js';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';

const bed = inject('testbed');
const { plaintext } = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);

describe('describeGroup (Kafka ConsumerGroupCommand)', () => {
  it('reports CURRENT-OFFSET, LOG-END-OFFSET and LAG per partition as committed', async () => {
    // Arrange: 3 partitions with 10, 4 and 0 records; commits 7 on p0 and 300 (beyond the log end) on p1.
    const topic = uniqueName('cgc');
    const group = uniqueName('cgc-group');
    await createTopic(plaintext, topic, 3);
    await produceMessages(plaintext, topic, [
      ...Array.from({ length: 10 }, (_, i) => ({ value: `a${i}`, partition: 0 })),
      ...Array.from({ length: 4 }, (_, i) => ({ value: `b${i}`, partition: 1 })),
    ]);
    const cluster = internalCluster(createKafka(plaintext));
    try {
      await cluster.connect();
      const committer = new MemberlessCommitter(cluster, group);
      await committer.commit(topic, 0, '7');
      await committer.commit(topic, 1, '300');
    } finally {
      await disconnectQuietly(cluster);
    }

    // Act
    const described = await describeGroup(bed.kafka.plaintext, group);

    // Assert: partitions without a commit are not listed by the tool (it describes committed partitions).
    expect(described.exists).toBe(true);
    expect(described.partitions).toEqual([
      { topic, partition: 0, currentOffset: '7', logEndOffset: '10', lag: '3' },
      { topic, partition: 1, currentOffset: '300', logEndOffset: '4', lag: '-296' },
    ]);
  });

  it('says a group that never committed does not exist', async () => {
    // Act
    const described = await describeGroup(bed.kafka.plaintext, uniqueName('no-such-group'));

    // Assert
    expect(described).toEqual({ exists: false, partitions: [] });
  });
});
