import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createRecordSource, isPoison, type RecordKind } from '../../../devkit/local/records.js';

describe('local records', () => {
  it.each([
    [0.02, 1000, 20],
    [0.1, 95, 9],
    [0, 500, 0],
    [0.5, 10, 5],
  ])('share %f of %i records gives %i poison records', (share, n, expected) => {
    // Act
    let count = 0;
    for (let i = 0; i < n; i++) if (isPoison(i, share)) count++;
    // Assert
    expect(count).toBe(expected);
  });

  it('produces every poison kind, deterministic per seed and topic', () => {
    // Arrange
    const a = createRecordSource({ seed: 's', topic: 't', poisonShare: 0.1 });
    const b = createRecordSource({ seed: 's', topic: 't', poisonShare: 0.1 });
    // Act
    const ra = Array.from({ length: 100 }, () => a.next());
    const rb = Array.from({ length: 100 }, () => b.next());
    // Assert
    expect(ra).toEqual(rb);
    const kinds = new Map<RecordKind, number>();
    for (const r of ra) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    expect(kinds.get('poison-not-json')).toBe(4);
    expect(kinds.get('poison-not-utf8')).toBe(3);
    expect(kinds.get('poison-wrong-type')).toBe(3);
    expect(ra.filter((r) => r.kind === 'poison-not-utf8').every((r) => !isUtf8(r.value))).toBe(true);
  });

  it('keys every other record and tags each with its sequence number', () => {
    const src = createRecordSource({ seed: 's', topic: 't', poisonShare: 0 });
    const [r0, r1] = [src.next(), src.next()];
    expect(r0?.key).not.toBeNull();
    expect(r1?.key).toBeNull();
    expect(r1?.headers['local-seq']).toBe('1');
    expect(JSON.parse(String(r0?.value)).transaction_id).toBe(String(r0?.key));
  });
});
