/**
 * The partition reader's fetch connections (core/kafka/fetch-lanes.ts): lane 0 is the session's head
 * connection, every read-ahead lane dials one of its own, kept lanes are used as they are, a failed dial is
 * retried with a fresh connection, and closing also disconnects a lane still dialing (never the head).
 */
import { describe, expect, it } from 'vitest';
import { FetchLanes } from '../../../core/kafka/fetch-lanes.js';
import type { InternalCluster } from '../../../core/kafka/internals.js';

interface FakeCluster {
  readonly id: number;
  connected: boolean;
  disconnects: number;
}

/** Unconnected fake clusters; `dial` decides how each connect ends (default: at once, successfully). */
function fakeClusters(dial: (c: FakeCluster) => Promise<void> = async () => undefined) {
  const made: FakeCluster[] = [];
  const newCluster = (): InternalCluster => {
    const c: FakeCluster = { id: made.length, connected: false, disconnects: 0 };
    made.push(c);
    const cluster = {
      fake: c,
      async connect() {
        await dial(c);
        c.connected = true;
      },
      async addTargetTopic() {},
      async disconnect() {
        c.disconnects++;
        c.connected = false;
      },
      async refreshMetadata() {},
    };
    return cluster as unknown as InternalCluster;
  };
  return { made, newCluster };
}

const fakeOf = (cluster: InternalCluster) => (cluster as unknown as { fake: FakeCluster }).fake;

describe('fetch lanes', () => {
  it('fetches lane 0 on the head connection and gives each read-ahead lane its own, dialed once', async () => {
    const { made, newCluster } = fakeClusters();
    const head = newCluster();
    const lanes = new FetchLanes(newCluster, head, 't');
    const [zero, a, b, again] = await Promise.all([
      lanes.cluster(0),
      lanes.cluster(1),
      lanes.cluster(2),
      lanes.cluster(1),
    ]);
    expect(zero).toBe(head);
    expect([fakeOf(a).id, fakeOf(b).id]).toEqual([1, 2]);
    expect(again).toBe(a);
    expect(made.map((c) => c.connected)).toEqual([false, true, true]);
    await lanes.close();
    expect(made.map((c) => c.disconnects)).toEqual([0, 1, 1]);
  });

  it('uses kept lanes as they are and leaves them connected when stopped', async () => {
    const { made, newCluster } = fakeClusters();
    const head = newCluster();
    const first = new FetchLanes(newCluster, head, 't', new Map());
    const kept = new Map([[1, await first.cluster(1)]]);
    const second = new FetchLanes(newCluster, head, 't', kept);
    expect(second.keep).toBe(true);
    expect(await second.cluster(1)).toBe(kept.get(1));
    await second.cluster(2);
    second.stop();
    expect(made).toHaveLength(3);
    expect([...kept.keys()]).toEqual([1, 2]);
    expect(made.slice(1).every((c) => c.connected)).toBe(true);
  });

  it('retries a failed dial with a fresh connection', async () => {
    let failNext = true;
    const { made, newCluster } = fakeClusters(async () => {
      if (failNext) {
        failNext = false;
        throw new Error('connection refused');
      }
    });
    const lanes = new FetchLanes(newCluster, {} as InternalCluster, 't');
    await expect(lanes.cluster(1)).rejects.toThrow('connection refused');
    const retried = await lanes.cluster(1);
    expect(fakeOf(retried).id).toBe(1);
    expect(made[0]?.disconnects).toBe(1);
    await lanes.close();
  });

  it('disconnects a lane that finishes dialing after the lanes were closed', async () => {
    let finishDial!: () => void;
    const { made, newCluster } = fakeClusters(() => new Promise<void>((resolve) => (finishDial = resolve)));
    const lanes = new FetchLanes(newCluster, {} as InternalCluster, 't');
    const dialing = lanes.cluster(1);
    await lanes.close();
    finishDial();
    await expect(dialing).rejects.toThrow('partition session is closed');
    expect(made[0]?.connected).toBe(false);
  });
});
