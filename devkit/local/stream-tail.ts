/**
 * Follows Kinesis streams while a local run is going (GetRecords on every shard from TRIM_HORIZON):
 * live delivered counts per source and the produce→Kinesis latency of each record, measured from the
 * Kafka record timestamp (CreateTime, set when the producer sent it; `kafka.timestamp` in the canonical
 * record) to Kinesis' ApproximateArrivalTimestamp.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';

/** What the tail saw so far. */
export interface TailState {
  /** First-seen records per source. */
  readonly deliveredBySource: Map<string, number>;
  /** Latency samples (ms) per source. */
  readonly latencyBySource: Map<string, number[]>;
  /** Records seen (with repeats). */
  seen: number;
  /** Records whose data was not a canonical record. */
  foreign: number;
  /** Latest ApproximateArrivalTimestamp seen (epoch ms), or null. */
  lastArrivalMs: number | null;
}

/** A running tail. */
export interface StreamTail {
  readonly state: TailState;
  stop(): Promise<void>;
}

const POLL_IDLE_MS = 200;

/** Starts following `streams`. */
export function startStreamTail(kinesis: KinesisClient, streams: readonly string[]): StreamTail {
  const state: TailState = {
    deliveredBySource: new Map(),
    latencyBySource: new Map(),
    seen: 0,
    foreign: 0,
    lastArrivalMs: null,
  };
  const firstSeen = new Set<string>();
  let stopped = false;

  async function followShard(stream: string, shardId: string): Promise<void> {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (!stopped && iterator) {
      const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of res.Records ?? []) {
        state.seen++;
        let rec: { eventId?: string; source?: string; kafka?: { timestamp?: string | null } };
        try {
          rec = JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'));
        } catch {
          state.foreign++;
          continue;
        }
        if (typeof rec.eventId !== 'string' || typeof rec.source !== 'string') {
          state.foreign++;
          continue;
        }
        const key = `${rec.source}|${rec.eventId}`;
        if (firstSeen.has(key)) continue;
        firstSeen.add(key);
        state.deliveredBySource.set(rec.source, (state.deliveredBySource.get(rec.source) ?? 0) + 1);
        const produced = rec.kafka?.timestamp ? Date.parse(rec.kafka.timestamp) : Number.NaN;
        const arrived = r.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
        if (state.lastArrivalMs === null || arrived > state.lastArrivalMs) state.lastArrivalMs = arrived;
        if (Number.isFinite(produced)) {
          const list = state.latencyBySource.get(rec.source) ?? [];
          list.push(arrived - produced);
          state.latencyBySource.set(rec.source, list);
        }
      }
      iterator = res.NextShardIterator;
      if ((res.Records ?? []).length === 0) await new Promise((r) => setTimeout(r, POLL_IDLE_MS));
    }
  }

  const runs = streams.map(async (stream) => {
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    await Promise.all((shards.Shards ?? []).map((s) => followShard(stream, s.ShardId as string)));
  });
  const all = Promise.allSettled(runs);
  return {
    state,
    async stop() {
      stopped = true;
      await all;
    },
  };
}
