import { describe, expect, it } from 'vitest';
import { createMemoryLock, lockKey } from '../../../fallback-poller/lock.js';

const T0 = 1_700_000_000_000;

describe('lock semantics (memory lock mirrors the DynamoDB conditions)', () => {
  it('builds the seed key <topic>_<partition>', () => {
    expect(lockKey('ExampleTopic', 0)).toBe('ExampleTopic_0');
  });

  it.each([
    { name: 'free lock', holder: null, nowMs: T0, acquired: true },
    { name: 'held and not expired', holder: { owner: 'a', expiresAt: T0 + 1 }, nowMs: T0, acquired: false },
    { name: 'held, expiring exactly now', holder: { owner: 'a', expiresAt: T0 }, nowMs: T0, acquired: false },
    {
      name: 'held but expired (crashed holder)',
      holder: { owner: 'a', expiresAt: T0 - 1 },
      nowMs: T0,
      acquired: true,
    },
  ])('acquire: $name → $acquired', async ({ holder, nowMs, acquired }) => {
    const lock = createMemoryLock();
    if (holder) lock.table.set('t_0', holder);
    expect(await lock.acquire({ key: 't_0', owner: 'b', nowMs, ttlSeconds: 60 })).toBe(acquired);
    expect(lock.table.get('t_0')?.owner).toBe(acquired ? 'b' : 'a');
  });

  it('renews only for the owner, and a taken-over lock cannot be renewed or released by the old owner', async () => {
    const lock = createMemoryLock();
    await lock.acquire({ key: 't_0', owner: 'a', nowMs: T0, ttlSeconds: 10 });
    expect(await lock.renew({ key: 't_0', owner: 'a', nowMs: T0 + 5_000, ttlSeconds: 10 })).toBe(true);
    expect(lock.table.get('t_0')?.expiresAt).toBe(T0 + 15_000);
    expect(await lock.acquire({ key: 't_0', owner: 'b', nowMs: T0 + 15_001, ttlSeconds: 10 })).toBe(true);
    expect(await lock.renew({ key: 't_0', owner: 'a', nowMs: T0 + 15_002, ttlSeconds: 10 })).toBe(false);
    await lock.release({ key: 't_0', owner: 'a' });
    expect(lock.table.get('t_0')?.owner).toBe('b');
    await lock.release({ key: 't_0', owner: 'b' });
    expect(lock.table.has('t_0')).toBe(false);
  });
});
