import { createHash } from 'node:crypto';
import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import { createSqsDlqSink, type DlqEntry, dlqMessageBody } from '../../../enrichment/index.js';

function entry(i: number, valueBytes = 10): DlqEntry {
  return {
    schema: 'enrichment-dlq/v1',
    eventId: 'e'.repeat(64),
    source: 's',
    cluster: 'b1:9092',
    topic: 't',
    partition: 0,
    offset: String(i),
    timestamp: null,
    reason: 'invalid-json: x',
    ruleVersion: 'r@1.0.0+abc',
    key: null,
    value: Buffer.alloc(valueBytes, 120).toString('base64'),
    headers: [],
    failedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A narrow SQS stand-in: records each SendMessageBatch call and answers with the scripted failures. */
function fakeSqs(failIds: (call: number, ids: string[]) => string[] | Error) {
  const calls: { QueueUrl?: string; Entries: { Id: string; MessageBody: string }[] }[] = [];
  const client = {
    send: async (command: SendMessageBatchCommand) => {
      const input = command.input as (typeof calls)[number];
      calls.push(input);
      const ids = input.Entries.map((e) => e.Id);
      const failed = failIds(calls.length, ids);
      if (failed instanceof Error) throw failed;
      return {
        Successful: ids
          .filter((id) => !failed.includes(id))
          .map((Id) => ({ Id, MessageId: Id, MD5OfMessageBody: '' })),
        Failed: failed.map((Id) => ({ Id, Code: 'InternalError', Message: 'try again', SenderFault: false })),
      };
    },
  } as unknown as SQSClient;
  return { client, calls };
}

describe('dlqMessageBody', () => {
  it('keeps a small entry whole', () => {
    expect(JSON.parse(dlqMessageBody(entry(1)))).toEqual(entry(1));
  });

  it('truncates a large value, marks it and records its sha-256 and size', () => {
    // Arrange
    const big = entry(1, 300_000);
    const full = Buffer.from(big.value as string, 'base64');

    // Act
    const body = dlqMessageBody(big);

    // Assert
    const parsed = JSON.parse(body) as DlqEntry;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(262_144);
    expect(parsed.valueTruncated).toBe(true);
    expect(parsed.valueSha256).toBe(createHash('sha256').update(full).digest('hex'));
    expect(parsed.valueBytes).toBe(300_000);
    expect((big.value as string).startsWith(parsed.value as string)).toBe(true);
    expect((parsed.value as string).length % 4).toBe(0);
  });

  it('escapes U+FFFE / U+FFFF, which SQS refuses, without changing the JSON value', () => {
    const e = { ...entry(1), reason: 'invalid-json: \uffff\ufffe' };
    const body = dlqMessageBody(e);
    expect(body).not.toMatch(/[\ufffe\uffff]/);
    expect(JSON.parse(body)).toEqual(e);
  });
});

describe('createSqsDlqSink', () => {
  it('sends in batches of at most 10 entries', async () => {
    const { client, calls } = fakeSqs(() => []);
    await createSqsDlqSink(client, 'q').send(Array.from({ length: 23 }, (_, i) => entry(i)));
    expect(calls.map((c) => c.Entries.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.QueueUrl === 'q')).toBe(true);
  });

  it('keeps each batch under 256 KiB', async () => {
    const { client, calls } = fakeSqs(() => []);
    await createSqsDlqSink(client, 'q').send(Array.from({ length: 5 }, (_, i) => entry(i, 100_000)));
    for (const c of calls) {
      expect(c.Entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody), 0)).toBeLessThanOrEqual(
        262_144,
      );
    }
    expect(calls.flatMap((c) => c.Entries).length).toBe(5);
  });

  it('re-sends only the entries reported failed', async () => {
    const { client, calls } = fakeSqs((call) => (call === 1 ? ['1', '3'] : []));
    await createSqsDlqSink(client, 'q').send([entry(0), entry(1), entry(2), entry(3)]);
    expect(calls.map((c) => c.Entries.map((e) => e.Id))).toEqual([
      ['0', '1', '2', '3'],
      ['1', '3'],
    ]);
  });

  it('throws RetriableError when entries keep failing', async () => {
    const { client } = fakeSqs((_call, ids) => ids.slice(0, 1));
    await expect(createSqsDlqSink(client, 'q').send([entry(0), entry(1)])).rejects.toThrow(
      new RetriableError('dlq send failed for 1 of 1 entries after 3 attempts: InternalError try again'),
    );
  });

  it('throws RetriableError with the cause when SQS is unreachable', async () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const { client } = fakeSqs(() => cause);
    const error = await createSqsDlqSink(client, 'q')
      .send([entry(0)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriableError);
    expect((error as RetriableError).message).toBe('dlq send failed: connect ECONNREFUSED 127.0.0.1:1');
    expect((error as RetriableError).cause).toBe(cause);
    expect((error as RetriableError).retriable).toBe(true);
  });

  it('does nothing for no entries', async () => {
    const { client, calls } = fakeSqs(() => []);
    await createSqsDlqSink(client, 'q').send([]);
    expect(calls).toEqual([]);
  });
});
