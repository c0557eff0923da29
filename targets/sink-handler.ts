/**
 * FIRE_AND_FORGET sink Lambda: receives the enrichment output (canonical records) from the Pipe as an
 * async invocation, writes it to the data-lake stream and throws on failure, so Lambda's async retries
 * (0–2) and then the on-failure destination (SQS DLQ) take over.
 *
 * Env: STREAM_NAME (required); AWS_ENDPOINT_URL_KINESIS only for local emulators. Never logs record payloads.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { NonRetriableError } from '../core/errors.js';
import { createKinesisSink } from '../core/kinesis-delivery.js';
import { deliverBatch } from './deliver-batch.js';

const logger = new Logger({ serviceName: 'kafka-pipes-sink' });
const streamName = process.env.STREAM_NAME;
// HTTP/1.1 handler: works against Kinesis and local emulators alike (PutRecords needs no HTTP/2).
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });

/** Lambda entry point. */
export async function handler(event: unknown): Promise<{ delivered: number }> {
  if (!streamName) throw new NonRetriableError('STREAM_NAME is not set');
  try {
    const result = await deliverBatch(event, createKinesisSink(kinesis, streamName));
    logger.info('batch delivered', { ...result, stream: streamName });
    return { delivered: result.delivered };
  } catch (error) {
    logger.error('batch not delivered', { stream: streamName, error: (error as Error).message });
    throw error;
  }
}
