/**
 * Which endpoint each CLI client calls: `--endpoint-url` for all, else the SDK's AWS_ENDPOINT_URL_<SERVICE>
 * before AWS_ENDPOINT_URL. Two loopback HTTP servers record which one each real SDK client reached.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliAwsClients } from '../../../cli/shared/aws.js';
import { cli } from './run-cli.js';

interface Recorder {
  readonly url: string;
  readonly hits: string[];
  readonly server: Server;
}

/** A server that answers every request with an empty JSON object and records `<method> <path>`. */
async function recorder(): Promise<Recorder> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

const ENV_KEYS = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;
const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

let a: Recorder;
let b: Recorder;
beforeAll(async () => {
  [a, b] = await Promise.all([recorder(), recorder()]);
});
afterEach(() => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  a.hits.length = 0;
  b.hits.length = 0;
});
afterAll(async () => {
  await Promise.all([a, b].map((r) => new Promise((resolve) => r.server.close(resolve))));
});

/** Calls Lambda ListFunctions and SQS ListQueues through fresh CLI clients. */
async function callBoth(opts: { endpointUrl?: string }): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  const aws = cliAwsClients({ region: 'us-east-1', ...opts });
  await aws.lambda.send(new ListFunctionsCommand({}));
  await aws.sqs.send(new ListQueuesCommand({}));
}

describe('CLI AWS client endpoints', () => {
  it('AWS_ENDPOINT_URL_LAMBDA wins over AWS_ENDPOINT_URL for Lambda; other services use AWS_ENDPOINT_URL', async () => {
    // Arrange
    process.env.AWS_ENDPOINT_URL = a.url;
    process.env.AWS_ENDPOINT_URL_LAMBDA = b.url;
    // Act
    await callBoth({});
    // Assert
    expect(b.hits).toEqual(['GET /2015-03-31/functions']);
    expect(a.hits).toEqual(['POST /']);
  });

  it('--endpoint-url sends every client to it, whatever the environment says', async () => {
    // Arrange
    process.env.AWS_ENDPOINT_URL_LAMBDA = b.url;
    process.env.AWS_ENDPOINT_URL_SQS = b.url;
    // Act
    await callBoth({ endpointUrl: a.url });
    // Assert
    expect(a.hits).toEqual(['GET /2015-03-31/functions', 'POST /']);
    expect(b.hits).toEqual([]);
  });

  it('the CLI leaves AWS_ENDPOINT_URL to the SDK, so AWS_ENDPOINT_URL_SQS still sends dlq inspect to its endpoint', async () => {
    // Arrange
    process.env.AWS_ENDPOINT_URL = a.url;
    process.env.AWS_ENDPOINT_URL_SQS = b.url;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    // Act
    const run = await cli(['--json', '--region', 'us-east-1', 'dlq', 'inspect', `${b.url}/123456789012/q`]);
    // Assert
    expect(run.code).toBe(0);
    expect(b.hits.length).toBeGreaterThan(0);
    expect(a.hits).toEqual([]);
  });
});
