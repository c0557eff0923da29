/**
 * Baselines the benchmarks compare against (bench/): what plain kafkajs achieves on the same broker in the
 * same run. kafkajs is reached through the Kafka adapter's exports (core/kafka/client.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  AssignerProtocol,
  createKafka,
  type KafkaConnection,
  type PartitionAssigner,
} from '../core/kafka/client.js';
import { READER_DEFAULTS } from '../core/kafka/partition-session.js';

/** A kafkajs partition assigner that gives the (single) member exactly one partition. */
function singlePartitionAssigner(topic: string, partition: number): PartitionAssigner {
  return () => ({
    name: 'SinglePartitionAssigner',
    version: 0,
    async assign({ members }) {
      return members.map((m, i) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: i === 0 ? { [topic]: [partition] } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'SinglePartitionAssigner',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}

/**
 * Benchmark baseline: a plain kafkajs consumer (same single-partition assignment and fetch sizes as the
 * partition reader, no processing) draining `count` records of one partition from the earliest offset.
 * Returns the elapsed time from connect to the last record.
 */
export async function drainPartitionRaw(
  conn: KafkaConnection,
  opts: { topic: string; partition: number; count: number; maxBytesPerFetch?: number },
): Promise<{ records: number; elapsedMs: number }> {
  const maxBytes = opts.maxBytesPerFetch ?? READER_DEFAULTS.maxBytesPerFetch;
  const c = createKafka(conn).consumer({
    groupId: `raw-baseline.${randomUUID().slice(0, 8)}`,
    partitionAssigners: [singlePartitionAssigner(opts.topic, opts.partition)],
    maxWaitTimeInMs: READER_DEFAULTS.fetchMaxWaitMs,
    maxBytesPerPartition: maxBytes,
    maxBytes,
  });
  // Timed from connect, like the partition reader (which connects, fetches offsets and reads).
  const started = performance.now();
  await c.connect();
  await c.subscribe({ topic: opts.topic, fromBeginning: true });
  let records = 0;
  let finished = 0;
  await new Promise<void>((resolve, reject) => {
    c.on(c.events.CRASH, (e) => reject(e.payload.error));
    void c
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          records += batch.messages.length;
          if (records >= opts.count && finished === 0) {
            finished = performance.now();
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await c.disconnect();
  return { records, elapsedMs: finished - started };
}
