/**
 * A fault-injecting HTTP proxy in front of the bed's moto server, on a free loopback port: each request is
 * forwarded unchanged unless the current rule says otherwise for its AWS JSON-protocol operation (the
 * `X-Amz-Target` header, e.g. `Kinesis_20131202.PutRecords`, `DynamoDB_20120810.UpdateItem`): `hang`
 * accepts the request and never answers (a hung endpoint), `{status, body}` answers with that error.
 * Point SDK clients at `url` (their `endpoint`) to put a real poller or CLI behind it.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one request. */
export type FaultAction = 'pass' | 'hang' | { readonly status: number; readonly body: string };

/** Decides per request from its operation (`X-Amz-Target`, '' when absent). */
export type FaultRule = (operation: string) => FaultAction;

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Replaces the rule (default: pass everything). */
  setRule(rule: FaultRule): void;
  /** Operations seen so far, with what was done to each. */
  readonly seen: { operation: string; action: 'pass' | 'hang' | number }[];
  /** Closes the listener and every connection (hung ones included). */
  close(): Promise<void>;
}

/** Starts a proxy forwarding to `target` (e.g. the bed's moto endpoint). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rule: FaultRule = () => 'pass';
  const seen: FaultProxy['seen'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '');
    const action = rule(operation);
    if (action === 'hang') {
      seen.push({ operation, action });
      req.resume(); // read the body, never answer
      return;
    }
    if (action !== 'pass') {
      seen.push({ operation, action: action.status });
      req.resume();
      res.writeHead(action.status, { 'content-type': 'application/x-amz-json-1.1' }).end(action.body);
      return;
    }
    seen.push({ operation, action });
    forward(req, res, upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setRule: (next) => {
      rule = next;
    },
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends the request on to the upstream server and streams its answer back. */
function forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  const out = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502);
    res.end(String(error.message));
  });
  req.pipe(out);
}
