/**
 * The SQS side of `dlq inspect | replay`: finds a source's DLQ by its tag, receives (hiding) messages, makes
 * them visible again, deletes handled ones and reads the approximate depth.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SOURCE_TAG_KEY } from '../../pipes/source-schema.js';
import { usageError } from '../shared/output.js';
import { type DlqKind, type DlqMessage, parseDlqMessage } from './messages.js';

/** Tag the stack puts on every resource of a source (pipes/kafka-pipe.construct.ts). */
export const SOURCE_TAG = SOURCE_TAG_KEY;
/** Construct ids in the CDK-generated queue names: a Pipe's enrichment DLQ, a poller's, a Pipe's target DLQ. */
const QUEUE_NAME_MARKS: Readonly<Record<DlqKind, readonly string[]>> = {
  enrichment: ['EnrichmentDlq', 'PollerDlq'],
  sink: ['TargetDlq'],
};
/** How long received messages stay hidden while we work on them. */
export const DLQ_VISIBILITY_SECONDS = 120;
const SQS_BATCH = 10;

/** Receives up to `max` messages, hiding them for `visibilitySeconds`. Stops when the queue is drained. */
export async function receiveMessages(
  sqs: SQSClient,
  queueUrl: string,
  max: number,
  visibilitySeconds: number = DLQ_VISIBILITY_SECONDS,
  onReceived: (n: number) => void = () => {},
): Promise<DlqMessage[]> {
  const out: DlqMessage[] = [];
  let empty = 0;
  while (out.length < max && empty < 2) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(SQS_BATCH, max - out.length),
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: empty === 0 ? 0 : 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    onReceived(messages.length);
    for (const m of messages) {
      out.push({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        parsed: parseDlqMessage(m.Body ?? '', m.MessageAttributes),
      });
    }
  }
  return out;
}

/** Makes messages visible again (ChangeMessageVisibility 0): they stay in the queue untouched. */
export async function releaseMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly DlqMessage[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += SQS_BATCH) {
    const batch = messages.slice(i, i + SQS_BATCH);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/**
 * Finds a source's DLQ by the `kafka-pipes:source` tag the stack puts on it (queue names are generated).
 * @throws UsageError when no queue carries the tag.
 */
export async function findSourceQueue(sqs: SQSClient, sourceName: string, kind: DlqKind): Promise<string> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const res = await sqs.send(
      new ListQueuesCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }),
    );
    urls.push(...(res.QueueUrls ?? []));
    token = res.NextToken;
  } while (token);
  const named = (u: string) =>
    QUEUE_NAME_MARKS[kind].some((m) => u.slice(u.lastIndexOf('/') + 1).includes(m));
  for (const url of urls.filter(named)) {
    const tags = await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
    if (tags.Tags?.[SOURCE_TAG] === sourceName) return url;
  }
  throw usageError(
    '<queue>',
    'queue',
    `no ${kind} DLQ tagged ${SOURCE_TAG}=${sourceName} in this account/region`,
    'deploy the source first, check --region, or pass the queue URL instead of the source name',
  );
}

/** Deletes a handled message. */
export async function deleteMessage(sqs: SQSClient, queueUrl: string, m: DlqMessage): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.receiptHandle }));
}

/** Approximate visible and in-flight messages. */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(res.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}
