/**
 * The fetch connections of a partition session (partition-fetcher.ts): lane 0 fetches on the session's head
 * connection (partition-session.ts), which also reads offsets and commits; every read-ahead lane has a
 * connection of its own, dialed on first use. On one connection the broker answers requests in the order
 * they were sent (https://kafka.apache.org/protocol#protocol_network), so a commit can wait behind a
 * fetch response still on its way. Lane 0 on a connection of its own too was measured and dropped: in the
 * poller bench (bench/poller.bench.ts) on a quiet machine the third connection cost more than the waits it
 * saved (poll median 3.39 → 3.61 s, 8 interleaved rounds).
 */
import { NonRetriableError } from '../errors.js';
import { connectToTopic, disconnectQuietly, type InternalCluster } from './internals.js';

export class FetchLanes {
  /** Connected (or connecting) read-ahead lanes: lane → cluster. With `keep`, the lease's map, kept for reuse. */
  readonly #clusters: Map<number, InternalCluster>;
  readonly #connecting = new Map<number, Promise<InternalCluster>>();
  #closed = false;

  constructor(
    /** Builds an unconnected cluster for a lane's own connection. */
    private readonly newCluster: () => InternalCluster,
    /** The session's head connection: lane 0 (connected by the session). */
    private readonly head: InternalCluster,
    private readonly topic: string,
    /** Lanes connected by an earlier session (warm-clusters.ts): used as they are and not closed here. */
    kept?: Map<number, InternalCluster>,
  ) {
    this.keep = kept !== undefined;
    this.#clusters = kept ?? new Map();
    for (const [lane, cluster] of this.#clusters) this.#connecting.set(lane, Promise.resolve(cluster));
  }

  /** Whether the connections outlive the session (given back by its caller) instead of closing with it. */
  readonly keep: boolean;

  /** The connection of `lane`, dialed on first use; a failed dial is retried with a fresh cluster on the lane's next use. */
  cluster(lane: number): Promise<InternalCluster> {
    if (lane === 0) return Promise.resolve(this.head);
    return this.#connecting.get(lane) ?? this.#dial(lane);
  }

  /** Refreshes a lane's metadata after a failed fetch (leader moved, broker restarted); errors ignored. */
  async refresh(lane: number): Promise<void> {
    await (lane === 0 ? this.head : this.#clusters.get(lane))?.refreshMetadata().catch(() => undefined);
  }

  /** Disconnects every read-ahead lane, including one still dialing (it is disconnected once connected). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#clusters.values()].map(disconnectQuietly));
  }

  /** Stops handing out lanes without disconnecting them (kept connections). */
  stop(): void {
    this.#closed = true;
  }

  #dial(lane: number): Promise<InternalCluster> {
    const c = this.newCluster();
    this.#clusters.set(lane, c);
    const connecting = connectToTopic(c, this.topic).then(async () => {
      if (!this.#closed) return c;
      // The session closed while this connection opened: do not leave it behind.
      await disconnectQuietly(c);
      throw new NonRetriableError('partition session is closed');
    });
    connecting.catch(() => {
      this.#connecting.delete(lane);
      if (this.#clusters.get(lane) === c) this.#clusters.delete(lane);
      void disconnectQuietly(c);
    });
    this.#connecting.set(lane, connecting);
    return connecting;
  }
}
