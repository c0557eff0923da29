/**
 * core/aws-http.ts against a local HTTP server that accepts requests and never answers (a hung endpoint):
 * the timed handler ends the call; a plain `requestTimeout` only warns and the call hangs on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAwsClients } from '../../../cli/shared/aws.js';
import { timedHttpHandler } from '../../../core/aws-http.js';

let server: Server;
let url: string;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req) => {
    received.push(`${req.method} ${req.url}`); // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('timedHttpHandler against a hung endpoint', () => {
  it('ends the request with a TimeoutError after requestTimeout', async () => {
    // Arrange
    const sqs = new SQSClient({
      endpoint: url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: timedHttpHandler({ connectionTimeoutMs: 1_000, requestTimeoutMs: 500 }),
    });
    const started = Date.now();

    // Act
    const error = await sqs.send(new ListQueuesCommand({})).catch((e: unknown) => e as Error);

    // Assert
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5_000);
    sqs.destroy();
  });

  it('a plain requestTimeout (no throwOnRequestTimeout) leaves the call hanging past it', async () => {
    // Arrange
    const warnings: string[] = [];
    const sqs = new SQSClient({
      endpoint: url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        requestTimeout: 300,
        logger: { ...console, warn: (m: string) => warnings.push(m) },
      }),
    });

    // Act
    const outcome = await Promise.race([
      sqs.send(new ListQueuesCommand({})).then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise((resolve) => setTimeout(() => resolve('still pending'), 1_500)),
    ]);

    // Assert
    expect(outcome).toBe('still pending');
    expect(warnings.join('\n')).toContain('requestTimeout');
    sqs.destroy();
  });

  it('the CLI clients use it: a hung SQS endpoint fails the call', async () => {
    // Arrange
    const fast = { connectionTimeoutMs: 1_000, requestTimeoutMs: 400 };
    const aws = cliAwsClients({ region: 'us-east-1', endpointUrl: url }, {}, { default: fast, lambda: fast });
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

    // Act
    const error = await aws.sqs
      .send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(20_000) })
      .catch((e: unknown) => e as Error);

    // Assert: SDK retries (3 attempts) each end at the request timeout.
    expect((error as Error).name).toBe('TimeoutError');
  });
});
