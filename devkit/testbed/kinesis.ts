/** Reads everything back from a Kinesis stream (moto or real), every shard from TRIM_HORIZON. */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';

/** One record read back. */
export interface KinesisRecordRead {
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/**
 * Every record currently in `streamName`, shard by shard in sequence order (shards sorted by id).
 * Stops per shard when GetRecords returns an empty page with MillisBehindLatest 0 (or after 1000 pages).
 */
export async function readAllRecords(
  kinesis: KinesisClient,
  streamName: string,
): Promise<KinesisRecordRead[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  shards.sort((a, b) => (a.ShardId ?? '').localeCompare(b.ShardId ?? ''));

  const out: KinesisRecordRead[] = [];
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    const it = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = it.ShardIterator;
    for (let page = 0; iterator && page < 1000; page++) {
      const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of res.Records ?? []) {
        out.push({
          partitionKey: r.PartitionKey as string,
          data: Buffer.from(r.Data ?? new Uint8Array()),
          shardId,
          sequenceNumber: r.SequenceNumber as string,
        });
      }
      if ((res.Records ?? []).length === 0 && (res.MillisBehindLatest ?? 0) === 0) break;
      iterator = res.NextShardIterator;
    }
  }
  return out;
}
