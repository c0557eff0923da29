import { createHash } from 'node:crypto';
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { RetriableError } from '../core/errors.js';
import { once } from '../core/lazy.js';
import {
  DLQ_KEY_HEADERS_REMOVED_NOTE,
  DLQ_SEND_ATTEMPTS,
  SQS_BATCH_LIMIT_BYTES,
  SQS_BATCH_MAX_ENTRIES,
  SQS_MESSAGE_LIMIT_BYTES,
} from './constants.js';
import type { DlqEntry } from './dlq-entry.js';

/** Where DLQ entries go. */
export interface DlqSink {
  /** Sends entries; resolves when all are stored, throws RetriableError otherwise. */
  send(entries: readonly DlqEntry[]): Promise<void>;
}

/**
 * Serializes a DLQ entry into an SQS message body ≤ `limitBytes`. When the entry is too large, the
 * value is cut (at a base64 quantum) and the entry marked `valueTruncated: true` with the sha-256 and
 * size of the full value, so nothing is lost silently; headers and key are cut the same way if needed.
 */
export function dlqMessageBody(entry: DlqEntry, limitBytes: number = SQS_MESSAGE_LIMIT_BYTES): string {
  const full = sqsSafeJson(entry);
  if (Buffer.byteLength(full) <= limitBytes) return full;
  const valueBytes = entry.value === null ? Buffer.alloc(0) : Buffer.from(entry.value, 'base64');
  const marked: DlqEntry = {
    ...entry,
    value: '',
    valueTruncated: true,
    valueSha256: createHash('sha256').update(valueBytes).digest('hex'),
    valueBytes: valueBytes.length,
  };
  const overhead = Buffer.byteLength(sqsSafeJson(marked));
  let room = limitBytes - overhead;
  let trimmed: DlqEntry = marked;
  if (room < 0) {
    // Key or headers alone are too big: keep coordinates and the hash, drop them (flagged by the reason).
    trimmed = {
      ...marked,
      key: null,
      headers: [],
      reason: `${entry.reason} ${DLQ_KEY_HEADERS_REMOVED_NOTE}`,
    };
    room = limitBytes - Buffer.byteLength(sqsSafeJson(trimmed));
  }
  const keep = Math.max(0, Math.floor(room / 4) * 4);
  return sqsSafeJson({ ...trimmed, value: (entry.value ?? '').slice(0, keep) });
}

/**
 * JSON text SQS accepts: SQS refuses U+FFFE and U+FFFF (outside the XML character set), which
 * JSON.stringify leaves raw inside strings; they are written as \\u escapes (still the same JSON).
 */
function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** The SQS SDK package, loaded on the first send (core/lazy.ts). */
const sqsSdk = once(() => import('@aws-sdk/client-sqs'));

/**
 * Creates the SQS DLQ sink: SendMessageBatch in groups of ≤ 10 entries and ≤ 256 KiB, entries reported
 * failed are re-sent (up to DLQ_SEND_ATTEMPTS attempts); anything still failing, or an unreachable
 * queue, throws RetriableError so the Pipe retries the batch instead of losing records.
 */
export function createSqsDlqSink(sqs: SQSClient, queueUrl: string): DlqSink {
  const send = async (entries: SendMessageBatchRequestEntry[]) => {
    const { SendMessageBatchCommand } = await sqsSdk();
    return sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  };
  return {
    async send(entries) {
      if (entries.length === 0) return;
      const bodies = entries.map((e) => dlqMessageBody(e));
      const groups: SendMessageBatchRequestEntry[][] = [];
      let current: SendMessageBatchRequestEntry[] = [];
      let currentBytes = 0;
      bodies.forEach((body, i) => {
        const size = Buffer.byteLength(body);
        if (
          current.length === SQS_BATCH_MAX_ENTRIES ||
          (current.length > 0 && currentBytes + size > SQS_BATCH_LIMIT_BYTES)
        ) {
          groups.push(current);
          current = [];
          currentBytes = 0;
        }
        current.push({ Id: String(i), MessageBody: body });
        currentBytes += size;
      });
      if (current.length > 0) groups.push(current);
      for (const group of groups) {
        let pending = group;
        for (let attempt = 1; pending.length > 0; attempt++) {
          let failed: { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }[];
          try {
            const res = await send(pending);
            failed = res.Failed ?? [];
          } catch (err) {
            throw new RetriableError(`dlq send failed: ${(err as Error).message}`, { cause: err });
          }
          if (failed.length === 0) break;
          if (attempt >= DLQ_SEND_ATTEMPTS) {
            const first = failed[0];
            throw new RetriableError(
              `dlq send failed for ${failed.length} of ${pending.length} entries after ${attempt} attempts: ${first?.Code ?? 'unknown'} ${first?.Message ?? ''}`.trim(),
            );
          }
          const ids = new Set(failed.map((f) => f.Id));
          pending = pending.filter((e) => ids.has(e.Id));
        }
      }
    },
  };
}
