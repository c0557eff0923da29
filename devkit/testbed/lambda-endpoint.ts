/**
 * A local AWS Lambda Invoke endpoint for tests: an HTTP server on a free loopback port that answers the
 * Invoke API as the SDK v3 `LambdaClient` calls it, routing each function name to a REAL handler run
 * in-process (e.g. targets/sink-handler.ts with its env pointed at moto). moto's Lambda needs Docker, which
 * the test machine does not have; everything else (SQS, Kinesis) stays on moto.
 *
 * Wire format (what the SDK sends and parses; checked against the sources below):
 * - Request: `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=…]`, the event as the body,
 *   headers `X-Amz-Invocation-Type` (RequestResponse | Event | DryRun, default RequestResponse) and
 *   `X-Amz-Log-Type` (None | Tail) — @aws-sdk/client-lambda 3.1143 dist-es/schemas/schemas_0.js `Invoke$`
 *   and `InvocationRequest$`.
 * - Response: status 200 (RequestResponse), 202 (Event), 204 (DryRun) is `StatusCode` (httpResponseCode);
 *   headers `X-Amz-Function-Error`, `X-Amz-Log-Result` (base64, last 4 KB of the log), `X-Amz-Executed-Version`;
 *   the body is `Payload` — `InvocationResponse$` in the same file, and the Invoke API reference
 *   (docs.aws.amazon.com/lambda/latest/api/API_Invoke.html; SDK docs of InvocationResponse.StatusCode:
 *   "For the RequestResponse invocation type, this status code is 200. For the Event invocation type,
 *   this status code is 202. For the DryRun invocation type, the status code is 204.").
 * - A thrown error is not an HTTP error: 200 with `X-Amz-Function-Error: Unhandled` and the Node.js runtime's
 *   error document `{errorType, errorMessage, trace}` as the payload
 *   (docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html).
 * - API errors use the restJson1 error shape: the code in the `x-amzn-ErrorType` header (read first by
 *   @smithy/core protocols/json/parseJsonBody.js `loadRestJsonErrorCode`: header, then body code/type) and a
 *   body `{"Type":"User","Message":…}`; an unknown function is 404 ResourceNotFoundException
 *   "Function not found: <arn>" (`ResourceNotFoundException$` = {error: client, httpError: 404}, members
 *   Type and Message; body as seen in github.com/aarondfrancis/sidecar/issues/23).
 *
 * Asynchronous invokes (Event) reuse the `npm start` emulation (devkit/local/async-invoke.ts): accepted at once,
 * then run with the function's retries and, when they are exhausted, the Lambda invocation record sent to
 * the on-failure destination (devkit/local/wiring.ts `sqsOnFailureDestination` writes it to an SQS queue).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ASYNC_PAYLOAD_LIMIT_BYTES,
  type AsyncInvoker,
  createAsyncInvoker,
  type InvocationRecord,
  LAMBDA_RETRY_DELAYS_MS,
} from '../local/async-invoke.js';

/** Synchronous invoke payload limit (6 MB request and response). */
export const SYNC_PAYLOAD_LIMIT_BYTES = 6_291_456;
/** Lambda's default async settings when a function has none: 2 retries, events kept up to 6 hours. */
const DEFAULT_ASYNC = { retryAttempts: 2, maxEventAgeSeconds: 21_600 } as const;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const;

/** What a handler receives as its second argument (the fields of the Lambda context tests need). */
export interface InvokeContext {
  readonly functionName: string;
  readonly functionVersion: '$LATEST';
  readonly invokedFunctionArn: string;
  readonly awsRequestId: string;
  readonly memoryLimitInMB: string;
  getRemainingTimeInMillis(): number;
}

/** One function served by the endpoint. */
export interface LambdaFunctionSpec {
  /** The real handler module's entry point, run in-process. */
  readonly handler: (event: unknown, context: InvokeContext) => unknown;
  /**
   * Async invocation config (InvocationType Event). Default: Lambda's 2 retries after 1 and 2 minutes,
   * 6 hours maximum age, no destination (a failed event is dropped).
   */
  readonly async?: {
    readonly retryAttempts: number;
    readonly maxEventAgeSeconds: number;
    /** Delays between attempts (default Lambda's 1 min, 2 min; tests pass small ones). */
    readonly retryDelaysMs?: readonly number[];
    /** On-failure destination (e.g. `sqsOnFailureDestination(sqs, queueUrl)` from devkit/local/wiring.ts). */
    readonly onFailure?: (record: InvocationRecord) => Promise<void>;
  };
}

/** One request the endpoint received (never the payload itself). */
export interface InvokeRequestSeen {
  readonly functionName: string;
  readonly invocationType: string;
  readonly logType: string | null;
  readonly qualifier: string | null;
  readonly payloadBytes: number;
  /** HTTP status answered. */
  readonly status: number;
}

/** A running endpoint. */
export interface LambdaEndpoint {
  /** `http://127.0.0.1:<port>`: the LambdaClient `endpoint`, or AWS_ENDPOINT_URL_LAMBDA. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly InvokeRequestSeen[];
  /** The function ARN the endpoint reports for `name`. */
  functionArn(name: string): string;
  /** Resolves when every accepted async event has succeeded or reached its destination. */
  drain(): Promise<void>;
  /** Stops the server (waits for pending async events first). */
  close(): Promise<void>;
}

/** Options of {@link startLambdaEndpoint}. */
export interface LambdaEndpointOptions {
  /** Function name → spec. */
  readonly functions: Readonly<Record<string, LambdaFunctionSpec>>;
  readonly region?: string;
  readonly accountId?: string;
  /** Function timeout reported by `getRemainingTimeInMillis` (not enforced). Default 60 s. */
  readonly timeoutSeconds?: number;
}

/** Splits `name`, `name:qualifier`, `acct:function:name[:q]` or a full function ARN. */
function parseFunctionName(raw: string): { name: string; qualifier: string | null } {
  const parts = raw.split(':');
  if (raw.startsWith('arn:')) return { name: parts[6] ?? '', qualifier: parts[7] ?? null };
  if (parts[1] === 'function') return { name: parts[2] ?? '', qualifier: parts[3] ?? null };
  return { name: parts[0] ?? '', qualifier: parts[1] ?? null };
}

function errorDocument(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Starts the endpoint on a free loopback port.
 * @example const ep = await startLambdaEndpoint({ functions: { sink: { handler } } });
 *   new LambdaClient({ endpoint: ep.url, region: 'us-east-1', credentials })
 */
export async function startLambdaEndpoint(options: LambdaEndpointOptions): Promise<LambdaEndpoint> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
  const functionArn = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  const requests: InvokeRequestSeen[] = [];

  const context = (name: string, requestId: string): InvokeContext => {
    const deadline = Date.now() + timeoutMs;
    return {
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionArn(name),
      awsRequestId: requestId,
      memoryLimitInMB: '128',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
  };

  const invokers = new Map<string, AsyncInvoker>();
  for (const [name, spec] of Object.entries(options.functions)) {
    const a = spec.async ?? DEFAULT_ASYNC;
    invokers.set(
      name,
      createAsyncInvoker({
        functionArn: functionArn(name),
        retryAttempts: a.retryAttempts,
        maxEventAgeSeconds: a.maxEventAgeSeconds,
        retryDelaysMs: spec.async?.retryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS,
        handler: async (event) => spec.handler(event, context(name, randomUUID())),
        onFailure: spec.async?.onFailure ?? (async () => undefined),
      }),
    );
  }

  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: string | Buffer = '',
  ) => {
    res.writeHead(status, { 'x-amzn-RequestId': randomUUID(), ...headers });
    res.end(body);
  };
  const apiError = (res: ServerResponse, status: number, code: string, message: string) =>
    send(
      res,
      status,
      { 'x-amzn-ErrorType': code, 'Content-Type': 'application/json' },
      JSON.stringify({ Type: 'User', Message: message }),
    );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = req.method === 'POST' ? INVOKE_PATH.exec(url.pathname) : null;
    const body = await readBody(req);
    if (!match) {
      apiError(res, 404, 'UnknownOperationException', `Unknown operation ${req.method} ${url.pathname}`);
      return 404;
    }
    const parsed = parseFunctionName(decodeURIComponent(match[1] ?? ''));
    const qualifier = url.searchParams.get('Qualifier') ?? parsed.qualifier;
    const invocationType = req.headers['x-amz-invocation-type']?.toString() ?? 'RequestResponse';
    const logType = req.headers['x-amz-log-type']?.toString() ?? null;
    const record = (status: number) => {
      requests.push({
        functionName: parsed.name,
        invocationType,
        logType,
        qualifier,
        payloadBytes: body.length,
        status,
      });
      return status;
    };
    const spec = options.functions[parsed.name];
    if (!spec || (qualifier !== null && qualifier !== '$LATEST')) {
      const arn = functionArn(parsed.name) + (qualifier ? `:${qualifier}` : '');
      apiError(res, 404, 'ResourceNotFoundException', `Function not found: ${arn}`);
      return record(404);
    }
    if (!(INVOCATION_TYPES as readonly string[]).includes(invocationType)) {
      apiError(
        res,
        400,
        'InvalidParameterValueException',
        `Invalid invocation type ${invocationType}: expected one of ${INVOCATION_TYPES.join(', ')}`,
      );
      return record(400);
    }
    const limit = invocationType === 'Event' ? ASYNC_PAYLOAD_LIMIT_BYTES : SYNC_PAYLOAD_LIMIT_BYTES;
    if (body.length > limit) {
      apiError(
        res,
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      );
      return record(413);
    }
    let event: unknown = {};
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch (e) {
        apiError(
          res,
          400,
          'InvalidRequestContentException',
          `Could not parse request body into json: ${(e as Error).message}`,
        );
        return record(400);
      }
    }
    if (invocationType === 'DryRun') {
      send(res, 204, {});
      return record(204);
    }
    if (invocationType === 'Event') {
      const requestId = (invokers.get(parsed.name) as AsyncInvoker).invoke(event);
      send(res, 202, { 'x-amzn-RequestId': requestId });
      return record(202);
    }
    const requestId = randomUUID();
    const started = Date.now();
    let payload: string;
    let failed = false;
    try {
      const result = await spec.handler(event, context(parsed.name, requestId));
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (error) {
      failed = true;
      payload = JSON.stringify(errorDocument(error));
    }
    const headers: Record<string, string> = {
      'x-amzn-RequestId': requestId,
      'Content-Type': 'application/json',
      'X-Amz-Executed-Version': '$LATEST',
      ...(failed ? { 'X-Amz-Function-Error': 'Unhandled' } : {}),
    };
    if (logType === 'Tail') {
      // Only the platform lines: the handler's own output goes to this process's stdout, not captured.
      const log = `START RequestId: ${requestId} Version: $LATEST\nEND RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${Date.now() - started} ms\n`;
      headers['X-Amz-Log-Result'] = Buffer.from(log.slice(-4096)).toString('base64');
    }
    send(res, 200, headers, payload);
    return record(200);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) apiError(res, 500, 'ServiceException', (error as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const drain = async () => {
    await Promise.all([...invokers.values()].map((i) => i.drain()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    functionArn,
    drain,
    async close() {
      await drain();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
