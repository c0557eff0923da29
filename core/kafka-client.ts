/**
 * The ONLY module that imports kafkajs (design.md §3: kafkajs is unmaintained since 2023, so it stays
 * behind one adapter). Everything else (poller, CLI, test harness, local runner) goes through here.
 *
 * TLS is always verified: `rejectUnauthorized` is never false.
 */
import { randomUUID } from 'node:crypto';
import {
  AssignerProtocol,
  Kafka,
  type KafkaConfig,
  type KafkaMessage,
  logLevel,
  type PartitionAssigner,
  type SASLOptions,
} from 'kafkajs';
import { NonRetriableError, RetriableError } from './errors.js';
import { FetchPlan, type FetchPlanStats, type PlannedFetch } from './fetch-plan.js';

/** How to reach and authenticate to a Kafka cluster. */
export interface KafkaConnection {
  /** `host:port` bootstrap brokers. */
  readonly brokers: readonly string[];
  /** Client id shown in broker logs and consumer-group listings. */
  readonly clientId?: string;
  /** TLS settings; absent means PLAINTEXT. */
  readonly tls?: KafkaTlsMaterial;
  /** SASL credentials (SCRAM or PLAIN/BASIC) — over TLS in practice. */
  readonly sasl?: KafkaSaslCredentials;
  /** TCP connect timeout in ms (default 5000). */
  readonly connectionTimeoutMs?: number;
  /** Request timeout in ms (default 15000). */
  readonly requestTimeoutMs?: number;
  /** kafkajs retry count for a request (default 2: fail fast, callers decide). */
  readonly retries?: number;
}

/** PEM material for TLS / mTLS. */
export interface KafkaTlsMaterial {
  /** Trusted CA certificates (PEM bundle). Absent = the Node.js default (public) roots. */
  readonly ca?: string;
  /** Client certificate chain (PEM) for mTLS. */
  readonly cert?: string;
  /** Client private key (PEM, PKCS#8, possibly encrypted). */
  readonly key?: string;
  /** Passphrase of an encrypted client key. */
  readonly passphrase?: string;
  /** SNI / host name to verify when it differs from the broker address. */
  readonly servername?: string;
}

/** SASL credentials. */
export interface KafkaSaslCredentials {
  readonly mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  readonly username: string;
  readonly password: string;
}

/** Builds the kafkajs configuration (pure, exported for tests). */
export function toKafkaConfig(conn: KafkaConnection): KafkaConfig {
  const config: KafkaConfig = {
    clientId: conn.clientId ?? 'kafka-pipes-template',
    brokers: [...conn.brokers],
    connectionTimeout: conn.connectionTimeoutMs ?? 5_000,
    requestTimeout: conn.requestTimeoutMs ?? 15_000,
    retry: { retries: conn.retries ?? 2, initialRetryTime: 100, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  };
  if (conn.tls) {
    config.ssl = {
      rejectUnauthorized: true,
      ...(conn.tls.ca ? { ca: [conn.tls.ca] } : {}),
      ...(conn.tls.cert ? { cert: conn.tls.cert } : {}),
      ...(conn.tls.key ? { key: conn.tls.key } : {}),
      ...(conn.tls.passphrase ? { passphrase: conn.tls.passphrase } : {}),
      ...(conn.tls.servername ? { servername: conn.tls.servername } : {}),
    };
  }
  if (conn.sasl) {
    config.sasl = {
      mechanism: conn.sasl.mechanism,
      username: conn.sasl.username,
      password: conn.sasl.password,
    } as SASLOptions;
  }
  return config;
}

/** Creates a kafkajs client for the connection. */
export function createKafka(conn: KafkaConnection): Kafka {
  return new Kafka(toKafkaConfig(conn));
}

export type { Kafka } from 'kafkajs';

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// Partition reader (owner: fallback poller, fallback-poller/README.md explains the approach)
//
// kafkajs has no `assign()`. To read exactly ONE partition from the committed offset of the source's
// consumer group WITHOUT becoming a member of that group:
//   1. admin.fetchOffsets(group) gives the committed offset (the next offset to read); with none, the
//      low or high watermark from admin.fetchTopicOffsets according to the starting position. A committed
//      offset below the low watermark (retention deleted it) is clamped up to the low watermark.
//   2. Records are read with Fetch requests sent straight to the partition leader through kafkajs' own
//      Cluster/Broker objects (what its consumer uses underneath; reached via the Kafka instance's
//      `private:Kafka:createCluster` factory). No group is joined: no rebalance, no
//      group.initial.rebalance.delay.ms wait, no other reader disturbed.
//      While behind, a second connection reads ahead (core/fetch-plan.ts): a broker serves one
//      connection's requests one at a time and encrypts its TLS responses on one network thread, so a
//      single fetch in flight leaves the broker idle while the client decodes, and caps the partition at
//      one thread's speed. Records are still handed out strictly in offset order, each once.
//   3. Offsets are committed with an OffsetCommit request carrying generation -1 and no member id — the
//      "simple consumer" commit Java's assign() + commitSync() sends. The broker accepts it only while
//      the group has no active members, and the group stays Empty, so `kafka-consumer-groups --describe`
//      shows "no active members" and the lag per partition, as in seed 000.
//      admin.setOffsets is NOT used: kafkajs implements it by joining the group with a temporary consumer
//      (≈ 5 s, and it fails while another partition's poller is committing at the same time).
// ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Where a reader starts when the group has no committed offset (the Pipes names). */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

/** One Kafka record as read from a partition (offsets and timestamps stay strings). */
export interface PartitionRecord {
  readonly topic: string;
  readonly partition: number;
  /** Offset as a decimal string. */
  readonly offset: string;
  /** Epoch milliseconds as a decimal string. */
  readonly timestamp: string;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Headers in wire order; a header with several values appears several times. */
  readonly headers: readonly { readonly name: string; readonly value: Buffer }[];
}

/** Options of {@link openPartitionSession}. */
export interface OpenPartitionOptions {
  readonly topic: string;
  readonly partition: number;
  /** The source's consumer group: offsets are read from and committed to it; it never gets members. */
  readonly groupId: string;
  /** Start when the group has no committed offset for the partition. */
  readonly startingPosition: StartingPosition;
  /** Longest time a broker holds a fetch open waiting for data (default 500 ms). */
  readonly fetchMaxWaitMs?: number;
  /** Bytes per fetch for the partition (default 4 MiB). */
  readonly maxBytesPerFetch?: number;
  /** Records buffered ahead of the caller before the reader stops fetching (default 2000). */
  readonly prefetchRecords?: number;
  /**
   * Bytes (keys, values, headers) buffered ahead of the caller before the reader stops fetching (default
   * 24 MiB): bounds memory when records are large. A fetch in flight may land on top of it.
   */
  readonly prefetchBytes?: number;
  /**
   * Fetches in flight at once while behind, each on its own connection (default 2; 1 = one connection,
   * no read-ahead). At the end of the log only one long-polling fetch runs.
   */
  readonly fetchLanes?: number;
}

/** Counters of a partition session: the fetch plan's, plus the most bytes it buffered ahead of the caller. */
export interface ReaderStats extends FetchPlanStats {
  readonly peakBufferedBytes: number;
}

/** An open single-partition read, see {@link openPartitionSession}. */
export interface PartitionSession {
  /** The group's committed offset when the session opened, or null when it had none. */
  readonly committedOffset: string | null;
  /** First offset this session reads. */
  readonly startOffset: string;
  /** Low watermark when the session opened. */
  readonly lowWatermark: string;
  /** Log-end offset when the session opened, updated as fetches report newer ones. */
  highWatermark(): string;
  /** Offset of the next record this session will hand out. */
  nextOffset(): string;
  /**
   * Returns up to `maxRecords` records in offset order; waits up to `maxWaitMs` when none are buffered
   * and returns `[]` when none arrived. Rejects with RetriableError when the reader crashed.
   */
  poll(maxRecords: number, maxWaitMs: number): Promise<PartitionRecord[]>;
  /** Commits `nextOffset` (the offset AFTER the last processed record) to the group (memberless OffsetCommit). */
  commit(nextOffset: string): Promise<void>;
  /** Fetch counters (read-aheads, records received twice by overlapping read-aheads, gaps re-fetched). */
  stats(): ReaderStats;
  /** Stops the reader and disconnects; safe to call twice. */
  close(): Promise<void>;
}

const READER_DEFAULT_FETCH_MAX_WAIT_MS = 500;
const READER_DEFAULT_MAX_BYTES_PER_FETCH = 4 * 1024 * 1024;
const READER_DEFAULT_PREFETCH_RECORDS = 2_000;
/** Sized for the poller's 512 MB Lambda: the buffer, two fetches in flight and the chunk being delivered. */
const READER_DEFAULT_PREFETCH_BYTES = 24 * 1024 * 1024;
const READER_DEFAULT_FETCH_LANES = 2;
/** kafkajs retries of the reader's requests (≈ 5 s with the adapter's 100 ms → 2 s backoff): rides out a
 * coordinator move or a broker restart. */
const READER_RETRIES = 6;

function readerKafka(conn: KafkaConnection): Kafka {
  return createKafka({ ...conn, retries: conn.retries ?? READER_RETRIES });
}

/**
 * Retries a kafkajs admin call on retriable protocol errors (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
 * leader moves): kafkajs' admin.fetchOffsets / setOffsets do not retry these themselves.
 */
async function withReaderRetries<T>(run: () => Promise<T>, attempts = READER_RETRIES): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }
}

/** Builds a kafkajs partition assigner that gives the (single) member exactly one partition. */
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
 * Timestamp type of a fetched record. In the v2 record format (Kafka ≥ 0.11) it is a bit of the BATCH
 * attributes, which kafkajs exposes as `batchContext.timestampType` (0 CreateTime, 1 LogAppendTime); the
 * record's own attributes are unused there. Legacy message sets (v0/v1) carry it in the message
 * attributes (bit 3).
 */
function timestampTypeOf(m: KafkaMessage): PartitionRecord['timestampType'] {
  const batchType = (m as { batchContext?: { timestampType?: number } }).batchContext?.timestampType;
  if (batchType !== undefined) return batchType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
  return (m.attributes & 0x08) !== 0 ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
}

function toPartitionRecord(topic: string, partition: number, m: KafkaMessage): PartitionRecord {
  const headers: { name: string; value: Buffer }[] = [];
  for (const [name, raw] of Object.entries(m.headers ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      if (v === undefined) continue;
      headers.push({ name, value: Buffer.isBuffer(v) ? v : Buffer.from(String(v)) });
    }
  }
  return {
    topic,
    partition,
    offset: m.offset,
    timestamp: m.timestamp,
    timestampType: timestampTypeOf(m),
    key: m.key,
    value: m.value,
    headers,
  };
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Lists the partition ids of a topic (used by the poller's `describe` mode for `partitions: auto`). */
export async function describeTopicPartitions(conn: KafkaConnection, topic: string): Promise<number[]> {
  const admin = readerKafka(conn).admin();
  try {
    await admin.connect();
    const offsets = await withReaderRetries(() => admin.fetchTopicOffsets(topic));
    return offsets.map((o) => o.partition).sort((a, b) => a - b);
  } catch (error) {
    throw new RetriableError(`could not describe topic ${topic}`, { cause: error });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Committed offset, log-end offset and lag per partition of a group (what `kafka-consumer-groups --describe` shows). */
export interface PartitionLag {
  readonly partition: number;
  /** Committed offset or null when the group never committed for the partition. */
  readonly committed: string | null;
  readonly logEnd: string;
  /** logEnd - committed (logEnd - low when nothing committed). */
  readonly lag: string;
}

/** Reads the committed offsets and lag of a group for a topic without joining it. */
export async function fetchGroupLag(
  conn: KafkaConnection,
  groupId: string,
  topic: string,
): Promise<PartitionLag[]> {
  const admin = readerKafka(conn).admin();
  try {
    await admin.connect();
    const [topicOffsets, groupOffsets] = await withReaderRetries(() =>
      Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]),
    );
    const committedBy = new Map<number, string>();
    for (const p of groupOffsets[0]?.partitions ?? []) {
      if (p.offset !== '-1') committedBy.set(p.partition, p.offset);
    }
    return topicOffsets
      .map((t) => {
        const committed = committedBy.get(t.partition) ?? null;
        const lag = BigInt(t.high) - BigInt(committed ?? t.low);
        return { partition: t.partition, committed, logEnd: t.high, lag: lag.toString() };
      })
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Isolation level of reader fetches: READ_COMMITTED (1), like Pipes and the Java consumer default in EOS setups. */
const READ_COMMITTED = 1;
/** Consecutive fetch failures (≈ 2 s backoff each) before the reader gives up (rides out a broker restart). */
const READER_FETCH_FAILURES_MAX = 15;
/** Longest a poll waits for records it knows exist (offset below the high watermark) before failing. */
const READER_BEHIND_WAIT_MAX_MS = 30_000;

/** A decoded record as kafkajs' internal Fetch response carries it. */
interface InternalFetchedMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly attributes: number;
  readonly headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  readonly isControlRecord?: boolean;
  readonly batchContext?: {
    readonly producerId: string;
    readonly inTransaction: boolean;
    readonly firstOffset?: string;
    readonly lastOffsetDelta?: number;
  };
}

/** The parts of kafkajs' internal Broker the reader uses (kafkajs 2.2.4, src/broker/index.js). */
interface InternalBroker {
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{
    responses: {
      topicName: string;
      partitions: {
        partition: number;
        highWatermark: string;
        /** Fetch v4+: the end of what READ_COMMITTED may read ("-1" when unknown). */
        lastStableOffset?: string;
        abortedTransactions?: { producerId: string; firstOffset: string }[];
        messages: InternalFetchedMessage[];
      }[];
    }[];
  }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

/** The parts of kafkajs' internal Cluster the reader uses (kafkajs 2.2.4, src/cluster/index.js). */
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(node: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(group: { groupId: string }): Promise<InternalBroker>;
}

/**
 * kafkajs exposes no partition-level fetch nor a memberless commit. Its `Kafka` instance keeps a
 * `private:Kafka:createCluster` factory (a Symbol-keyed property, kafkajs 2.2.4 src/index.js) that the
 * public producer/consumer/admin use; the reader uses the same Cluster/Broker objects. kafkajs is pinned
 * (2.2.4) and unmaintained, so these internals do not move; a unit test asserts they exist.
 */
export function internalCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!symbol) {
    throw new NonRetriableError(
      'kafkajs internals changed: private:Kafka:createCluster not found (kafkajs 2.2.4 expected)',
    );
  }
  const create = (
    kafka as unknown as Record<symbol, (o: { allowAutoTopicCreation: boolean }) => InternalCluster>
  )[symbol];
  if (typeof create !== 'function') {
    throw new NonRetriableError(
      'kafkajs internals changed: private:Kafka:createCluster is not a function (kafkajs 2.2.4 expected)',
    );
  }
  return create({ allowAutoTopicCreation: false });
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/** One partition's data in a Fetch response (kafkajs 2.2.4 decoding). */
type FetchedPartitionData = Awaited<
  ReturnType<InternalBroker['fetch']>
>['responses'][number]['partitions'][number];

/**
 * Decodes one partition of a Fetch response that asked for `start` (the partition reader and
 * readRecordsAt share it):
 * - `records`: the visible records at or after `start` (a fetch returns whole batches, so records before
 *   it are dropped; so are aborted transactions and control records);
 * - `end`: one past the last offset the response covered, counting the batch's compacted tail
 *   (`start` when it covered nothing);
 * - `from`: the first offset it carried (base of its first batch), `bytes` its approximate size and
 *   `skipped` the records before `start`: for sizing later fetches;
 * - `readableEnd`: the last stable offset (READ_COMMITTED), or the high watermark before fetch v4.
 */
function decodeFetchedPartition(
  topic: string,
  partition: number,
  start: bigint,
  data: FetchedPartitionData,
): {
  records: PartitionRecord[];
  end: bigint;
  from: bigint;
  bytes: number;
  skipped: number;
  highWatermark: bigint;
  readableEnd: bigint;
} {
  const within = data.messages.filter((m) => BigInt(m.offset) >= start);
  const visible = filterAborted(within, data.abortedTransactions).filter((m) => !m.isControlRecord);
  let end = start;
  const last = data.messages.at(-1);
  if (last) {
    end = maxBig(end, BigInt(last.offset) + 1n);
    const ctx = last.batchContext;
    if (ctx?.firstOffset !== undefined && ctx.lastOffsetDelta !== undefined) {
      end = maxBig(end, BigInt(ctx.firstOffset) + BigInt(ctx.lastOffsetDelta) + 1n);
    }
  }
  const first = data.messages[0]?.batchContext?.firstOffset;
  let bytes = 0;
  for (const m of data.messages) bytes += approxRecordBytes(m);
  const highWatermark = BigInt(data.highWatermark);
  const lso = data.lastStableOffset !== undefined ? BigInt(data.lastStableOffset) : -1n;
  return {
    records: visible.map((m) => toPartitionRecord(topic, partition, m as unknown as KafkaMessage)),
    end,
    from: first !== undefined ? BigInt(first) : start,
    bytes,
    skipped: data.messages.length - within.length,
    highWatermark,
    readableEnd: lso >= 0n ? lso : highWatermark,
  };
}

/** Record overhead on the wire besides key, value and headers (length, attributes, deltas; batch share). */
const RECORD_OVERHEAD_BYTES = 16;

/** Bytes a record holds in memory (key, value, headers). */
function partitionRecordBytes(r: PartitionRecord): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.name.length + h.value.length;
  return n;
}

/** Approximate wire size of a fetched record, for sizing gap fills (core/fetch-plan.ts). */
function approxRecordBytes(m: InternalFetchedMessage): number {
  let n = RECORD_OVERHEAD_BYTES + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [name, v] of Object.entries(m.headers ?? {})) {
    for (const x of Array.isArray(v) ? v : [v]) n += name.length + (x === undefined ? 0 : x.length) + 2;
  }
  return n;
}

/** Drops records of aborted transactions (port of kafkajs src/consumer/filterAbortedMessages.js). */
function filterAborted(
  messages: readonly InternalFetchedMessage[],
  abortedTransactions: readonly { producerId: string; firstOffset: string }[] | undefined,
): InternalFetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return [...messages];
  const remaining = [...abortedTransactions];
  const aborted = new Set<string>();
  return messages.filter((m) => {
    const head = remaining[0];
    if (head && BigInt(m.offset) >= BigInt(head.firstOffset)) {
      remaining.shift();
      aborted.add(head.producerId);
    }
    const producerId = m.batchContext?.producerId ?? '';
    if (m.isControlRecord && m.key && Buffer.from(m.key).equals(ABORT_MARKER_KEY)) {
      aborted.delete(producerId);
    } else if (aborted.has(producerId) && m.batchContext?.inTransaction) {
      return false;
    }
    return true;
  });
}

/**
 * Opens a read of exactly one partition from the group's committed offset without joining the group
 * (see the section comment above). The caller owns the session and must `close()` it.
 */
export async function openPartitionSession(
  conn: KafkaConnection,
  opts: OpenPartitionOptions,
): Promise<PartitionSession> {
  const kafka = readerKafka(conn);
  const admin = kafka.admin();
  const { topic, partition, groupId } = opts;
  const cluster = internalCluster(kafka);
  // The fetch connections (TLS handshakes, metadata) open while the admin reads the offsets.
  const clusterReady = cluster
    .connect()
    .then(() => cluster.addTargetTopic(topic))
    .then(
      () => null,
      (error: unknown) => error as Error,
    );
  try {
    await admin.connect();
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    await clusterReady;
    await cluster.disconnect().catch(() => undefined);
    throw new RetriableError(`could not connect to kafka: ${(error as Error).message}`, { cause: error });
  }
  let low: bigint;
  let high: bigint;
  let committed: string | null;
  try {
    const [topicOffsets, groupOffsets] = await withReaderRetries(() =>
      Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]),
    );
    const t = topicOffsets.find((o) => o.partition === partition);
    if (!t) {
      throw new NonRetriableError(`partition ${partition} does not exist in topic ${topic}`);
    }
    low = BigInt(t.low);
    high = BigInt(t.high);
    const g = groupOffsets[0]?.partitions.find((p) => p.partition === partition);
    committed = g && g.offset !== '-1' ? g.offset : null;
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    await clusterReady;
    await cluster.disconnect().catch(() => undefined);
    if (error instanceof NonRetriableError) throw error;
    throw new RetriableError(`could not read offsets of ${topic}/${partition}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const start =
    committed !== null
      ? minBig(maxBig(BigInt(committed), low), high)
      : opts.startingPosition === 'TRIM_HORIZON'
        ? low
        : high;

  const fetchMaxWaitMs = opts.fetchMaxWaitMs ?? READER_DEFAULT_FETCH_MAX_WAIT_MS;
  const maxBytes = opts.maxBytesPerFetch ?? READER_DEFAULT_MAX_BYTES_PER_FETCH;
  const prefetch = opts.prefetchRecords ?? READER_DEFAULT_PREFETCH_RECORDS;
  const prefetchBytes = opts.prefetchBytes ?? READER_DEFAULT_PREFETCH_BYTES;
  const lanes = opts.fetchLanes ?? READER_DEFAULT_FETCH_LANES;
  const plan = new FetchPlan<PartitionRecord>(start, { lanes });
  let latestHigh = high;
  // End of what READ_COMMITTED can read: the last stable offset of the latest fetch response (below the
  // high watermark while a transaction is open), the open's high watermark until a fetch reports one.
  let readableEnd = high;
  const buffer: PartitionRecord[] = [];
  let bufferedBytes = 0;
  let peakBufferedBytes = 0;
  /**
   * Whether `fetch` may go now. The head (what the caller needs next) waits only for the caller to drain
   * the buffer; a read-ahead also counts the pieces held back behind a gap, which only the head can
   * release, so they never block it.
   */
  const mayFetch = (fetch: PlannedFetch) =>
    fetch.start <= plan.next
      ? buffer.length < prefetch && bufferedBytes < prefetchBytes
      : buffer.length + plan.held < prefetch && bufferedBytes + plan.heldBytes < prefetchBytes;
  let crash: Error | null = null;
  let closed = false;
  let loops: Promise<void>[] | null = null;
  let wakeReader: (() => void) | null = null;
  const fetcherWaits = new Set<() => void>();
  /** Connections of the read-ahead lanes (lane 0 fetches and commits on `cluster`), opened on first use. */
  const laneClusters = new Map<number, InternalCluster>();
  const laneConnecting = new Map<number, Promise<InternalCluster>>();
  let coordinator: Awaited<ReturnType<typeof cluster.findGroupCoordinator>> | null = null;
  const signalReader = () => {
    const w = wakeReader;
    wakeReader = null;
    w?.();
  };
  const signalFetchers = () => {
    const waiting = [...fetcherWaits];
    fetcherWaits.clear();
    for (const w of waiting) w();
  };

  /** Fetches on `via` and returns the piece it covered plus the high watermark and readable end it reported. */
  const fetchPiece = async (via: InternalCluster, { start, maxBytes: limit }: PlannedFetch) => {
    const partitionMaxBytes = Math.min(limit ?? maxBytes, maxBytes);
    const leaders = via.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined)
      throw Object.assign(new Error(`no leader for ${topic}/${partition}`), { retriable: true });
    const broker = await via.findBroker({ nodeId });
    const { responses } = await broker.fetch({
      isolationLevel: READ_COMMITTED,
      maxWaitTime: fetchMaxWaitMs,
      minBytes: 1,
      maxBytes,
      topics: [
        { topic, partitions: [{ partition, fetchOffset: start.toString(), maxBytes: partitionMaxBytes }] },
      ],
    });
    const data = responses[0]?.partitions.find((p) => p.partition === partition);
    if (!data) return null;
    const d = decodeFetchedPartition(topic, partition, start, data);
    const piece = { start, end: d.end, records: d.records, from: d.from, bytes: d.bytes, skipped: d.skipped };
    return { piece, hw: d.highWatermark, readable: d.readableEnd };
  };

  const laneCluster = (lane: number): Promise<InternalCluster> => {
    if (lane === 0) return Promise.resolve(cluster);
    let connecting = laneConnecting.get(lane);
    if (!connecting) {
      const c = internalCluster(kafka);
      laneClusters.set(lane, c);
      connecting = c
        .connect()
        .then(() => c.addTargetTopic(topic))
        .then(async () => {
          if (!closed) return c;
          // close() ran while this connection opened: do not leave it behind.
          await c.disconnect().catch(() => undefined);
          throw new NonRetriableError('partition session is closed');
        });
      // A failed connect is retried with a fresh cluster on the next fetch of the lane.
      connecting.catch(() => {
        laneConnecting.delete(lane);
        laneClusters.delete(lane);
        void c.disconnect().catch(() => undefined);
      });
      laneConnecting.set(lane, connecting);
    }
    return connecting;
  };

  // One background fetch loop per lane: lane 0 starts at the head; the others read ahead once a
  // size-limited fetch gave the plan an estimate, up to `prefetch` records ahead of the caller, so network,
  // broker and processing overlap. Only failures of head fetches count toward giving up: a failed
  // read-ahead is planned again (or its range fetched from the head).
  const laneLoop = async (lane: number): Promise<void> => {
    let failures = 0;
    while (!closed) {
      const planned = plan.plan(lane, readableEnd);
      const fetch = planned && mayFetch(planned) ? planned : null;
      if (fetch === null) {
        await new Promise<void>((resolve) => fetcherWaits.add(resolve));
        continue;
      }
      plan.issued(lane, fetch);
      let fetched: Awaited<ReturnType<typeof fetchPiece>>;
      try {
        fetched = await fetchPiece(await laneCluster(lane), fetch);
      } catch (error) {
        plan.failed(lane);
        signalFetchers();
        if (closed) return;
        const e = error as Error & { retriable?: boolean; type?: string };
        const atHead = fetch.start <= plan.next;
        if (e.type === 'OFFSET_OUT_OF_RANGE' && atHead) {
          // Retention deleted what we were about to read: continue from the new low watermark.
          const offsets = await withReaderRetries(() => admin.fetchTopicOffsets(topic)).catch(() => []);
          const t = offsets.find((o) => o.partition === partition);
          if (t && BigInt(t.low) > plan.next) {
            plan.skipTo(BigInt(t.low));
            continue;
          }
        }
        failures++;
        if (atHead && failures > READER_FETCH_FAILURES_MAX) {
          crash = e;
          signalReader();
          return;
        }
        // Broker restart, leader move, connection reset: refresh metadata and retry with backoff.
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** failures)));
        await (lane === 0 ? cluster : laneClusters.get(lane))?.refreshMetadata().catch(() => undefined);
        continue;
      }
      failures = 0;
      if (closed) return;
      if (!fetched) {
        plan.failed(lane);
        continue;
      }
      if (fetched.hw > latestHigh) latestHigh = fetched.hw;
      readableEnd = fetched.readable;
      const ready = plan.completed(lane, fetched.piece, fetched.readable);
      for (const r of ready) {
        buffer.push(r);
        bufferedBytes += partitionRecordBytes(r);
      }
      if (bufferedBytes + plan.heldBytes > peakBufferedBytes)
        peakBufferedBytes = bufferedBytes + plan.heldBytes;
      if (ready.length > 0) signalReader();
      signalFetchers();
    }
  };

  const ensureLoop = async (): Promise<void> => {
    if (loops) return;
    const failed = await clusterReady;
    try {
      if (failed) {
        // First attempt failed (broker briefly away): try once more before giving up.
        await cluster.connect();
        await cluster.addTargetTopic(topic);
      }
    } catch (error) {
      throw new RetriableError(`could not start the partition reader: ${(error as Error).message}`, {
        cause: error,
      });
    }
    loops = Array.from({ length: lanes }, (_, lane) => laneLoop(lane));
  };

  return {
    committedOffset: committed,
    startOffset: start.toString(),
    lowWatermark: low.toString(),
    highWatermark: () => latestHigh.toString(),
    nextOffset: () => (buffer[0] ? buffer[0].offset : plan.next.toString()),
    stats: () => ({ ...plan.stats, peakBufferedBytes }),
    async poll(maxRecords, maxWaitMs) {
      if (closed) throw new NonRetriableError('partition session is closed');
      if (buffer.length === 0) {
        if (!loops && plan.next >= readableEnd && maxWaitMs <= 0) return [];
        await ensureLoop();
        const started = Date.now();
        // Behind the readable end, records exist: wait for them (first connection, leader move, broker
        // restart) rather than report "caught up". At the end of the log, wait `maxWaitMs` for new ones.
        for (;;) {
          if (buffer.length > 0 || crash) break;
          const behind = plan.next < readableEnd;
          const budget = behind ? READER_BEHIND_WAIT_MAX_MS : maxWaitMs;
          const left = budget - (Date.now() - started);
          if (left <= 0) {
            if (behind)
              crash = new Error(
                `no records arrived within ${READER_BEHIND_WAIT_MAX_MS} ms although offset ${plan.next} < readable end ${readableEnd}`,
              );
            break;
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, behind ? 250 : left));
            wakeReader = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakeReader = null;
          if (!behind) break;
        }
        if (buffer.length === 0 && crash) {
          const c = crash as Error;
          throw new RetriableError(`kafka reader failed: ${c.message}`, { cause: c });
        }
      }
      const out = buffer.splice(0, maxRecords);
      for (const r of out) bufferedBytes -= partitionRecordBytes(r);
      if (out.length > 0) signalFetchers();
      return out;
    },
    async commit(nextOffset) {
      try {
        await withReaderRetries(async () => {
          await cluster.connect();
          // The coordinator is looked up once and reused (one round trip per commit instead of two);
          // any failure forgets it, so a retry looks it up again (coordinator moved, broker restarted).
          coordinator ??= await cluster.findGroupCoordinator({ groupId });
          try {
            // Generation -1 and no member id: a "simple consumer" commit (what Java's assign() +
            // commitSync sends). The broker accepts it while the group has no members, and then keeps
            // the group Empty.
            await coordinator.offsetCommit({
              groupId,
              groupGenerationId: -1,
              memberId: '',
              topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }],
            });
          } catch (error) {
            coordinator = null;
            throw error;
          }
        });
      } catch (error) {
        const e = error as Error & { type?: string };
        if (
          e.type === 'ILLEGAL_GENERATION' ||
          e.type === 'UNKNOWN_MEMBER_ID' ||
          e.type === 'REBALANCE_IN_PROGRESS'
        ) {
          throw new NonRetriableError(
            `cannot commit offsets for group ${groupId}: it has active members (${e.message}); the poller needs a consumer group no other consumer uses`,
            { cause: error },
          );
        }
        throw new RetriableError(
          `could not commit offset ${nextOffset} of ${topic}/${partition}: ${e.message}`,
          {
            cause: error,
          },
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      signalFetchers();
      signalReader();
      // Disconnect first: it ends an in-flight long-poll fetch (up to fetchMaxWaitMs) instead of waiting for it.
      await clusterReady;
      await Promise.all(
        [cluster, ...laneClusters.values()].map((c) => c.disconnect().catch(() => undefined)),
      );
      await Promise.all((loops ?? []).map((l) => l.catch(() => undefined)));
      await admin.disconnect().catch(() => undefined);
    },
  };
}

/**
 * Benchmark baseline: a plain kafkajs consumer (same single-partition assignment, no processing)
 * draining `count` records of one partition from the earliest offset. Returns the elapsed time from
 * connect to the last record.
 */
export async function drainPartitionRaw(
  conn: KafkaConnection,
  opts: { topic: string; partition: number; count: number; maxBytesPerFetch?: number },
): Promise<{ records: number; elapsedMs: number }> {
  const kafka = createKafka(conn);
  const c = kafka.consumer({
    groupId: `raw-baseline.${randomUUID().slice(0, 8)}`,
    partitionAssigners: [singlePartitionAssigner(opts.topic, opts.partition)],
    maxWaitTimeInMs: READER_DEFAULT_FETCH_MAX_WAIT_MS,
    maxBytesPerPartition: opts.maxBytesPerFetch ?? READER_DEFAULT_MAX_BYTES_PER_FETCH,
    maxBytes: opts.maxBytesPerFetch ?? READER_DEFAULT_MAX_BYTES_PER_FETCH,
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

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// cli check (owner: CLI, cli/check.ts): a bounded admin probe of a cluster, returning plain values and
// classified errors so `kafka-pipes check` can say which step failed and why. Never creates topics
// (listTopics before any topic metadata request) and never joins the source's consumer group.
// ──────────────────────────────────────────────────────────────────────────────────────────────────

/** A broker as the cluster advertises it. */
export interface ProbeBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** A partition of a topic as metadata reports it. */
export interface ProbePartition {
  readonly partition: number;
  /** Leader node id, or -1 when the partition has no leader. */
  readonly leader: number;
  readonly replicas: number;
  readonly isr: number;
}

/** A consumer group as DescribeGroups reports it (`Dead` = the group does not exist). */
export interface ProbeGroup {
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  readonly protocol: string;
}

/** What kind of failure a kafkajs error is. */
export type KafkaFailureKind = 'sasl' | 'connection' | 'timeout' | 'protocol' | 'other';

/** A classified kafkajs failure. */
export interface KafkaFailure {
  readonly kind: KafkaFailureKind;
  /** kafkajs error class name, e.g. KafkaJSSASLAuthenticationError. */
  readonly name: string;
  /** Kafka protocol error type when there is one, e.g. TOPIC_AUTHORIZATION_FAILED. */
  readonly type?: string;
  readonly message: string;
}

/** Classifies an error thrown by kafkajs (walks `cause` / `originalError`). */
export function classifyKafkaError(error: unknown): KafkaFailure {
  type Walk = { name?: string; message?: string; type?: string; cause?: unknown; originalError?: unknown };
  let e = error as Walk;
  for (let i = 0; i < 5 && e; i++) {
    const name = e.name ?? 'Error';
    const message = e.message ?? String(e);
    if (name === 'KafkaJSSASLAuthenticationError' || /SASL|authenticat/i.test(message)) {
      return { kind: 'sasl', name, message, ...(e.type ? { type: e.type } : {}) };
    }
    if (name === 'KafkaJSProtocolError') {
      return { kind: 'protocol', name, message, ...(e.type ? { type: e.type } : {}) };
    }
    if (name === 'KafkaJSRequestTimeoutError' || /timed? ?out/i.test(message)) {
      return { kind: 'timeout', name, message };
    }
    if (name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError') {
      return { kind: 'connection', name, message };
    }
    const next = e.originalError ?? e.cause;
    if (!next) return { kind: 'other', name, message };
    e = next as Walk;
  }
  const top = error as Error;
  return { kind: 'other', name: top?.name ?? 'Error', message: top?.message ?? String(error) };
}

/** An open admin connection for the check command. */
export interface AdminProbe {
  /** Cluster id, controller and the advertised brokers. */
  describeCluster(): Promise<{ clusterId: string; controller: number | null; brokers: ProbeBroker[] }>;
  /** All topic names visible to the principal. */
  listTopics(): Promise<string[]>;
  /** Partitions of an existing topic. */
  topicPartitions(topic: string): Promise<ProbePartition[]>;
  /** State of a consumer group without joining it. */
  describeGroup(groupId: string): Promise<ProbeGroup>;
  /** Committed offsets and lag of the group on the topic. */
  groupLag(groupId: string, topic: string): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

/**
 * Connects an admin client (TCP + TLS + SASL happen here) and returns the probe. No retries unless
 * `conn.retries` says so: the check reports the first failure. Rejects with the kafkajs error (classify it with {@link classifyKafkaError}).
 */
export async function openAdminProbe(conn: KafkaConnection): Promise<AdminProbe> {
  const admin = createKafka({ ...conn, retries: conn.retries ?? 0 }).admin();
  try {
    await admin.connect();
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw error;
  }
  return {
    async describeCluster() {
      const c = await admin.describeCluster();
      return {
        clusterId: c.clusterId,
        controller: c.controller ?? null,
        brokers: c.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      };
    },
    listTopics: () => admin.listTopics(),
    async topicPartitions(topic) {
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      return (md.topics[0]?.partitions ?? [])
        .map((p) => ({
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas.length,
          isr: p.isr.length,
        }))
        .sort((a, b) => a.partition - b.partition);
    },
    async describeGroup(groupId) {
      const res = await admin.describeGroups([groupId]);
      const g = res.groups[0];
      return {
        groupId,
        state: g?.state ?? 'Dead',
        members: g?.members.length ?? 0,
        protocol: g?.protocol ?? '',
      };
    },
    groupLag: (groupId, topic) => fetchGroupLag(conn, groupId, topic),
    close: () => admin.disconnect().catch(() => undefined),
  };
}

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// Admin & producer (owner: test bed / harness helper; also used by the CLI and local runner)
// Topic creation, producing batches, a bounded consumer and a metadata probe. Every call connects,
// does its work and disconnects; errors are the kafkajs errors (name + message), unwrapped.
// ──────────────────────────────────────────────────────────────────────────────────────────────────

/** A record to produce. Strings are written as UTF-8. */
export interface ProduceMessage {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  /** Target partition; absent = kafkajs' default partitioner (murmur2 of the key). */
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** Record timestamp in epoch milliseconds, as a string. */
  readonly timestamp?: string;
}

/** Where one produced batch landed. */
export interface ProducedOffset {
  readonly partition: number;
  /** Offset of the first record of the batch in that partition (string: offsets stay strings). */
  readonly baseOffset: string;
}

/** What {@link fetchClusterMetadata} returns. */
export interface ClusterMetadata {
  readonly clusterId: string;
  readonly controller: number | null;
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number }[];
}

/**
 * Connects an admin client and describes the cluster: a cheap probe that the connection (TLS, mTLS, SASL)
 * works. Throws the kafkajs error (e.g. `KafkaJSConnectionError`, `KafkaJSSASLAuthenticationError`).
 */
export async function fetchClusterMetadata(conn: KafkaConnection): Promise<ClusterMetadata> {
  const admin = createKafka(conn).admin();
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    return { clusterId: c.clusterId, controller: c.controller, brokers: c.brokers.map((b) => ({ ...b })) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Creates a topic with `partitions` partitions (replication factor 1 by default) and waits for its leaders.
 * Returns false when the topic already existed.
 */
export async function createTopic(
  conn: KafkaConnection,
  topic: string,
  partitions: number,
  opts: { replicationFactor?: number; configEntries?: Readonly<Record<string, string>> } = {},
): Promise<boolean> {
  const admin = createKafka(conn).admin();
  try {
    await admin.connect();
    return await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: opts.replicationFactor ?? 1,
          configEntries: Object.entries(opts.configEntries ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Deletes topics (missing topics are an error from the broker). */
export async function deleteTopics(conn: KafkaConnection, topics: readonly string[]): Promise<void> {
  const admin = createKafka(conn).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [...topics] });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Produces `messages` to `topic` (acks all, idempotence off), in batches of `batchSize` (default 500) to keep
 * requests small. Returns one entry per partition per batch with the batch's base offset.
 */
export async function produceMessages(
  conn: KafkaConnection,
  topic: string,
  messages: readonly ProduceMessage[],
  opts: { batchSize?: number } = {},
): Promise<ProducedOffset[]> {
  const producer = createKafka(conn).producer({ allowAutoTopicCreation: false });
  const batchSize = opts.batchSize ?? 500;
  const out: ProducedOffset[] = [];
  try {
    await producer.connect();
    for (let i = 0; i < messages.length; i += batchSize) {
      const batch = messages.slice(i, i + batchSize).map((m) => ({
        key: m.key ?? null,
        value: m.value,
        ...(m.partition !== undefined ? { partition: m.partition } : {}),
        ...(m.headers ? { headers: { ...m.headers } } : {}),
        ...(m.timestamp ? { timestamp: m.timestamp } : {}),
      }));
      const meta = await producer.send({ topic, acks: -1, messages: batch });
      for (const r of meta) {
        out.push({ partition: r.partition, baseOffset: String(r.baseOffset ?? r.offset ?? '0') });
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return out;
}

/** A consumed record (key/value as Buffers, offsets as strings). */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
}

/**
 * Consumes `topic` from the beginning with a fresh throwaway group until `count` messages arrived or
 * `timeoutMs` passed (default 30 s), then disconnects. Resolves with what arrived (possibly fewer than `count`);
 * rejects with the kafkajs error when the consumer crashes (e.g. authentication failure).
 */
export async function consumeMessages(
  conn: KafkaConnection,
  topic: string,
  opts: { count: number; timeoutMs?: number; groupId?: string },
): Promise<ConsumedMessage[]> {
  const consumer = createKafka(conn).consumer({
    groupId: opts.groupId ?? `consume-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    // A fresh broker answers NOT_COORDINATOR while it creates __consumer_offsets: retry that.
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  const received: ConsumedMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, opts.timeoutMs ?? 30_000);
      const done = (err?: unknown) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      consumer.on(consumer.events.CRASH, (e) => done(e.payload.error));
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic: t, partition, message }) => {
            received.push({
              topic: t,
              partition,
              offset: message.offset,
              timestamp: message.timestamp,
              key: message.key,
              value: message.value,
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([k, v]) => {
                  const first = Array.isArray(v) ? v[0] : v;
                  return [k, first === undefined ? undefined : Buffer.from(first)];
                }),
              ),
            });
            if (received.length >= opts.count) done();
          },
        });
      })().catch(done);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return received;
}

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// Local run (owner: local run, local/): a consumer-group MEMBER for the local Pipe runner (a Pipe is a
// member of its consumer group, unlike the poller) and a long-lived producer that reports the offset of
// every record it wrote (the local run derives the expected eventIds from them).
// ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Options of {@link joinConsumerGroup}. */
export interface GroupMemberOptions {
  /** The consumer group (the source's consumerGroupId). */
  readonly groupId: string;
  readonly topic: string;
  /** Where the group starts when it has no committed offset. */
  readonly startingPosition: StartingPosition;
  /**
   * Receives the records of one fetched partition batch, in offset order, with the partition's high
   * watermark. Called synchronously from the fetch loop: must not throw and must not block (buffer).
   */
  readonly onRecords: (records: PartitionRecord[], highWatermark: string) => void;
  /** Bytes per partition per fetch (default 1 MiB). */
  readonly maxBytesPerPartition?: number;
}

/** A running consumer-group member, see {@link joinConsumerGroup}. */
export interface GroupMember {
  /** Stops fetching (records already handed out stay with the caller). */
  pause(): void;
  /** Resumes fetching. */
  resume(): void;
  /** Commits `offset` (the NEXT offset to read) per partition to the group. Throws RetriableError. */
  commit(offsets: readonly { readonly partition: number; readonly offset: string }[]): Promise<void>;
  /** Leaves the group and disconnects; uncommitted records are read again by the next member. */
  stop(): Promise<void>;
  /** Rejects when the consumer crashes for good (never resolves). */
  readonly crashed: Promise<never>;
}

/**
 * Joins `groupId` as a member (kafkajs consumer, auto-commit OFF) and streams fetched records to
 * `onRecords`. Offsets are committed only through {@link GroupMember.commit}. Resolves once the member
 * joined the group and its first fetch returned, so the starting position (LATEST) is fixed before the
 * caller produces anything.
 */
export async function joinConsumerGroup(
  conn: KafkaConnection,
  opts: GroupMemberOptions,
): Promise<GroupMember> {
  const consumer = createKafka({ ...conn, retries: conn.retries ?? 8 }).consumer({
    groupId: opts.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 1024 * 1024,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  let rejectCrash: (e: unknown) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    rejectCrash = reject;
  });
  crashed.catch(() => undefined);
  let joined = false;
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.FETCH, () => {
    if (joined) resolveReady();
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) rejectCrash(e.payload.error);
  });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.startingPosition === 'TRIM_HORIZON' });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      opts.onRecords(
        batch.messages.map((m) => toPartitionRecord(batch.topic, batch.partition, m)),
        batch.highWatermark,
      );
    },
  });
  await Promise.race([ready, crashed]);
  return {
    pause: () => consumer.pause([{ topic: opts.topic }]),
    resume: () => consumer.resume([{ topic: opts.topic }]),
    async commit(offsets) {
      if (offsets.length === 0) return;
      try {
        await consumer.commitOffsets(
          offsets.map((o) => ({ topic: opts.topic, partition: o.partition, offset: o.offset })),
        );
      } catch (error) {
        throw new RetriableError(
          `could not commit offsets of group ${opts.groupId}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    },
    stop: () => consumer.disconnect().catch(() => undefined),
    crashed,
  };
}

/** A record to produce to an explicit partition. */
export interface PartitionedMessage extends ProduceMessage {
  readonly partition: number;
}

/** Where one produced record landed. */
export interface ProducedRecord {
  readonly partition: number;
  /** Offset as a decimal string. */
  readonly offset: string;
}

/** A connected producer, see {@link openProducer}. */
export interface LongLivedProducer {
  /**
   * Writes `messages` (acks all) and returns, in input order, the partition and offset of each record
   * (base offset of its partition's batch + its index in that batch).
   */
  send(topic: string, messages: readonly PartitionedMessage[]): Promise<ProducedRecord[]>;
  close(): Promise<void>;
}

/** Connects a producer that stays open across sends (idempotent, so retries never duplicate records). */
export async function openProducer(conn: KafkaConnection): Promise<LongLivedProducer> {
  const producer = createKafka(conn).producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return {
    async send(topic, messages) {
      if (messages.length === 0) return [];
      const meta = await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({
          key: m.key ?? null,
          value: m.value,
          partition: m.partition,
          ...(m.headers ? { headers: { ...m.headers } } : {}),
          ...(m.timestamp ? { timestamp: m.timestamp } : {}),
        })),
      });
      const base = new Map<number, bigint>();
      for (const r of meta) base.set(r.partition, BigInt(r.baseOffset ?? r.offset ?? '0'));
      const seen = new Map<number, bigint>();
      return messages.map((m) => {
        const b = base.get(m.partition);
        if (b === undefined) throw new RetriableError(`no produce result for ${topic}/${m.partition}`);
        const i = seen.get(m.partition) ?? 0n;
        seen.set(m.partition, i + 1n);
        return { partition: m.partition, offset: (b + i).toString() };
      });
    },
    close: () => producer.disconnect().catch(() => undefined),
  };
}

// ──────────────────────────────────────────────────────────────────────────────────────────────────
// dlq replay (owner: CLI, cli/dlq.ts)
// `dlq replay --from-kafka` re-reads the records whose value an enrichment DLQ entry had to truncate to
// fit SQS. Records are read at given offsets of ONE partition with Fetch requests sent straight to the
// leader through the same kafkajs internals as the partition reader above (internalCluster): no
// consumer group is joined and nothing is committed. Offsets are sorted and each fetch starts at the
// lowest offset still missing, so offsets close together cost one request.
// ──────────────────────────────────────────────────────────────────────────────────────────────────

/** Default bound of one {@link readRecordsAt} call (connect, metadata and every fetch). */
export const RECORDS_AT_TIMEOUT_MS = 30_000;
/** The records asked for exist already: a fetch need not wait for new data. */
const RECORDS_AT_FETCH_MAX_WAIT_MS = 100;
const RECORDS_AT_DEFAULT_MAX_BYTES_PER_FETCH = 4 * 1024 * 1024;
/**
 * Fetch sizing: the broker always returns the whole first record batch, so a fetch only needs the bytes up
 * to the furthest wanted offset it should cover. Wanted offsets are covered by the same fetch while the gap
 * to the next one is below RECORDS_AT_GAP_BYTES (reading a gap costs more than another request beyond
 * that); the first fetch, before the log's bytes per offset are known, asks for RECORDS_AT_FIRST_FETCH_BYTES.
 */
const RECORDS_AT_GAP_BYTES = 128 * 1024;
const RECORDS_AT_FIRST_FETCH_BYTES = 256 * 1024;
const RECORDS_AT_MIN_FETCH_BYTES = 16 * 1024;
/** Failed fetches in a row (leader move, connection reset) before giving up. */
const RECORDS_AT_FAILURES_MAX = 6;
/** Longest the final disconnect is awaited (kafkajs waits for requests still in flight). */
const RECORDS_AT_DISCONNECT_WAIT_MS = 2_000;

/** The Cluster call {@link readRecordsAt} adds to the reader's (kafkajs 2.2.4 src/cluster/index.js). */
interface RecordsAtCluster extends InternalCluster {
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** Options of {@link readRecordsAt}. */
export interface ReadRecordsAtOptions {
  /** Bound of the whole call in ms (default {@link RECORDS_AT_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** Bytes per fetch (default 4 MiB; a larger first record batch is still returned whole). */
  readonly maxBytesPerFetch?: number;
}

function isOffsetOutOfRange(error: unknown): boolean {
  const e = error as { type?: string; name?: string };
  return e?.type === 'OFFSET_OUT_OF_RANGE' || e?.name === 'KafkaJSOffsetOutOfRange';
}

/**
 * Reads the records at `offsets` of `topic`/`partition` (READ_COMMITTED) without joining a consumer
 * group and without committing. Returns the records found, keyed by offset (decimal string). An offset
 * that holds no record — deleted by retention, beyond the log end, compacted away, or part of an aborted
 * transaction — is simply absent from the map. Always disconnects.
 *
 * @throws NonRetriableError when an offset is not a decimal integer or the partition does not exist.
 * @throws RetriableError naming the topic-partition when Kafka cannot be read within `timeoutMs`.
 * @example const found = await readRecordsAt(conn, 'orders', 0, ['17', '4711']); found.get('17')?.value
 */
export async function readRecordsAt(
  conn: KafkaConnection,
  topic: string,
  partition: number,
  offsets: readonly string[],
  opts: ReadRecordsAtOptions = {},
): Promise<Map<string, PartitionRecord>> {
  const where = `${topic}-${partition}`;
  const found = new Map<string, PartitionRecord>();
  const unique = new Map<string, bigint>();
  for (const o of offsets) {
    if (!/^\d{1,20}$/.test(o))
      throw new NonRetriableError(`offset ${o} of ${where} is not a decimal integer`);
    const big = BigInt(o);
    unique.set(big.toString(), big);
  }
  const wanted = [...unique.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (wanted.length === 0) return found;
  const timeoutMs = opts.timeoutMs ?? RECORDS_AT_TIMEOUT_MS;
  const maxBytes = opts.maxBytesPerFetch ?? RECORDS_AT_DEFAULT_MAX_BYTES_PER_FETCH;
  // No request may outlive the bound of the call.
  const requestTimeoutMs = Math.min(conn.requestTimeoutMs ?? 15_000, timeoutMs);
  const cluster = internalCluster(readerKafka({ ...conn, requestTimeoutMs })) as RecordsAtCluster;
  let stopped = false;

  /** Low watermark and end of what READ_COMMITTED may read. */
  const watermarks = async (): Promise<{ low: bigint; high: bigint }> => {
    const read = async (fromBeginning: boolean) => {
      const res = await cluster.fetchTopicsOffset([{ topic, partitions: [{ partition }], fromBeginning }]);
      const p = res[0]?.partitions.find((x) => x.partition === partition);
      if (!p) throw new NonRetriableError(`partition ${partition} does not exist in topic ${topic}`);
      return BigInt(p.offset);
    };
    return { low: await read(true), high: await read(false) };
  };

  /** Bytes per offset seen in the last fetch (null until one returned records). */
  let bytesPerOffset: number | null = null;
  /** Partition bytes for a fetch from wanted[i]: enough to reach the wanted offsets worth covering. */
  const fetchBytes = (i: number): number => {
    if (bytesPerOffset === null) return Math.min(maxBytes, RECORDS_AT_FIRST_FETCH_BYTES);
    const start = wanted[i] as bigint;
    const cost = (from: bigint, to: bigint) => Number(to - from + 1n) * (bytesPerOffset as number);
    let j = i;
    while (j + 1 < wanted.length) {
      const next = wanted[j + 1] as bigint;
      if (cost(wanted[j] as bigint, next) > RECORDS_AT_GAP_BYTES || cost(start, next) > maxBytes) break;
      j++;
    }
    const need = Math.ceil(cost(start, wanted[j] as bigint) * 1.25);
    return Math.min(maxBytes, Math.max(RECORDS_AT_MIN_FETCH_BYTES, need));
  };

  const fetchFrom = async (start: bigint, partitionMaxBytes: number) => {
    const leaders = cluster.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) {
      throw Object.assign(new Error(`no leader for ${where}`), { retriable: true });
    }
    const broker = await cluster.findBroker({ nodeId });
    const { responses } = await broker.fetch({
      isolationLevel: READ_COMMITTED,
      maxWaitTime: RECORDS_AT_FETCH_MAX_WAIT_MS,
      minBytes: 1,
      maxBytes,
      topics: [
        {
          topic,
          partitions: [{ partition, fetchOffset: start.toString(), maxBytes: partitionMaxBytes }],
        },
      ],
    });
    return responses[0]?.partitions.find((p) => p.partition === partition) ?? null;
  };

  const readAll = async (): Promise<Map<string, PartitionRecord>> => {
    await cluster.connect();
    await cluster.addTargetTopic(topic);
    if (Object.keys(cluster.findLeaderForPartitions(topic, [partition])).length === 0) {
      throw new NonRetriableError(`partition ${partition} does not exist in topic ${topic}`);
    }
    let i = 0;
    let failures = 0;
    const failed = (error: unknown) => {
      failures++;
      if (failures > RECORDS_AT_FAILURES_MAX) throw error;
    };
    while (i < wanted.length && !stopped) {
      const start = wanted[i] as bigint;
      let data: Awaited<ReturnType<typeof fetchFrom>>;
      try {
        data = await fetchFrom(start, fetchBytes(i));
      } catch (error) {
        if (isOffsetOutOfRange(error)) {
          // Deleted by retention (below the low watermark) or beyond the log end: those are absent.
          const { low, high } = await watermarks();
          if (start >= high) break;
          const before = i;
          while (i < wanted.length && (wanted[i] as bigint) < low) i++;
          if (i === before) failed(error); // out of range, yet inside the watermarks: a race, retry
          continue;
        }
        if ((error as { retriable?: boolean }).retriable !== true) throw error;
        failed(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** failures)));
        await cluster.refreshMetadata().catch(() => undefined);
        continue;
      }
      if (!data) {
        failed(new Error(`the fetch response has no data for ${where}`));
        continue;
      }
      const { records, end, from, bytes, readableEnd } = decodeFetchedPartition(
        topic,
        partition,
        start,
        data,
      );
      for (const r of records) if (unique.has(r.offset)) found.set(r.offset, r);
      if (end === start) {
        // Nothing at or after `start`: it is at the end of what READ_COMMITTED may read.
        if (start >= readableEnd) break;
        failed(new Error(`no record returned at ${where}@${start} below the readable end ${readableEnd}`));
        continue;
      }
      failures = 0;
      if (end > from) bytesPerOffset = Math.max(1, bytes / Number(end - from));
      while (i < wanted.length && (wanted[i] as bigint) < end) i++;
    }
    return found;
  };

  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RetriableError(`reading ${where} from kafka took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  const reading = readAll();
  reading.catch(() => undefined);
  try {
    return await Promise.race([reading, expired]);
  } catch (error) {
    if (error instanceof RetriableError || error instanceof NonRetriableError) throw error;
    throw new RetriableError(`could not read ${where} from kafka: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    stopped = true;
    clearTimeout(timer);
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      cluster.disconnect().catch(() => undefined),
      new Promise((resolve) => {
        waited = setTimeout(resolve, RECORDS_AT_DISCONNECT_WAIT_MS);
        waited.unref();
      }),
    ]);
    clearTimeout(waited);
  }
}
