/**
 * The partition reader's fetch connections (core/kafka/fetch-lanes.ts): every lane dials a connection of its
 * own (the session's head connection, which commits, is never one of them), kept lanes are used as they are,
 * a failed dial is retried with a fresh connection, and closing also disconnects a lane still dialing.
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
  it('gives each lane a connection of its own, dialed once', async () => {
    const { made, newCluster } = fakeClusters();
    const lanes = new FetchLanes(newCluster, 't');
    const [a, b, again] = await Promise.all([lanes.cluster(0), lanes.cluster(1), lanes.cluster(0)]);
    expect(fakeOf(a).id).toBe(0);
    expect(fakeOf(b).id).toBe(1);
    expect(again).toBe(a);
    expect(made.map((c) => c.connected)).toEqual([true, true]);
    await lanes.close();
    expect(made.map((c) => c.disconnects)).toEqual([1, 1]);
  });

  it('uses kept lanes as they are and leaves them connected when stopped', async () => {
    const { made, newCluster } = fakeClusters();
    const first = new FetchLanes(newCluster, 't', new Map());
    const kept = new Map([[0, await first.cluster(0)]]);
    const second = new FetchLanes(newCluster, 't', kept);
    expect(second.keep).toBe(true);
    expect(await second.cluster(0)).toBe(kept.get(0));
    await second.cluster(1);
    second.stop();
    expect(made).toHaveLength(2);
    expect([...kept.keys()]).toEqual([0, 1]);
    expect(made.every((c) => c.connected)).toBe(true);
  });

  it('retries a failed dial with a fresh connection', async () => {
    let failNext = true;
    const { made, newCluster } = fakeClusters(async () => {
      if (failNext) {
        failNext = false;
        throw new Error('connection refused');
      }
    });
    const lanes = new FetchLanes(newCluster, 't');
    await expect(lanes.cluster(0)).rejects.toThrow('connection refused');
    const retried = await lanes.cluster(0);
    expect(fakeOf(retried).id).toBe(1);
    expect(made[0]?.disconnects).toBe(1);
    await lanes.close();
  });

  it('disconnects a lane that finishes dialing after the lanes were closed', async () => {
    let finishDial!: () => void;
    const { made, newCluster } = fakeClusters(() => new Promise<void>((resolve) => (finishDial = resolve)));
    const lanes = new FetchLanes(newCluster, 't');
    const dialing = lanes.cluster(0);
    await lanes.close();
    finishDial();
    await expect(dialing).rejects.toThrow('partition session is closed');
    expect(made[0]?.connected).toBe(false);
  });
});
