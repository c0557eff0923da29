/**
 * Low-level probes for `check`: DNS lookup, TCP connect and a TLS handshake followed by a Kafka
 * ApiVersions round trip (which proves the session really works: with TLS 1.3 a broker that wants a
 * client certificate only says so after the client's handshake has finished). Every probe is bounded by
 * a timeout and always closes its socket. TLS is always verified (rejectUnauthorized stays true).
 */
import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { KafkaTlsMaterial } from '../../core/kafka/client.js';

/** Raised by {@link withTimeout}. */
export class ProbeTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what} did not finish within ${timeoutMs} ms`);
    this.name = 'ProbeTimeoutError';
  }
}

/** Rejects with ProbeTimeoutError when `p` takes longer than `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeoutError(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves a host name to its addresses (IP literals resolve to themselves). */
export async function resolveHost(host: string, timeoutMs: number): Promise<string[]> {
  if (isIP(host)) return [host];
  const res = await withTimeout(lookup(host, { all: true }), timeoutMs, `DNS lookup of ${host}`);
  return res.map((r) => r.address);
}

/** Opens and closes a TCP connection. */
export async function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  const socket = new Socket();
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
        socket.connect(port, host);
      }),
      timeoutMs,
      `TCP connect to ${host}:${port}`,
    );
  } finally {
    socket.destroy();
  }
}

const API_VERSIONS_KEY = 18;
const PROBE_CORRELATION_ID = 0x6b70; // "kp"

/** A Kafka ApiVersions v0 request frame (allowed before SASL on every listener). */
export function apiVersionsRequest(clientId = 'kafka-pipes-check'): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(10 + id.length);
  body.writeInt16BE(API_VERSIONS_KEY, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(PROBE_CORRELATION_ID, 4);
  body.writeInt16BE(id.length, 8);
  id.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/** Sends ApiVersions on an open socket and waits for a response with our correlation id. */
function kafkaRoundTrip(socket: Socket | TLSSocket, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 8) {
        const correlation = received.readInt32BE(4);
        if (correlation === PROBE_CORRELATION_ID) resolve();
        else
          reject(
            new Error(`${what}: unexpected response (correlation id ${correlation}): not a Kafka listener?`),
          );
      }
    });
    socket.once('error', reject);
    socket.once('close', () => {
      const err = new Error(`${what}: the broker closed the connection without answering ApiVersions`);
      (err as NodeJS.ErrnoException).code = 'ECLOSED';
      reject(err);
    });
    socket.write(apiVersionsRequest());
  });
}

/** Speaks Kafka over plain TCP: proves a PLAINTEXT (or SASL_PLAINTEXT) listener answers. */
export async function plaintextKafkaProbe(host: string, port: number, timeoutMs: number): Promise<void> {
  const socket = new Socket();
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(port, host, () => {
          kafkaRoundTrip(socket, `${host}:${port}`).then(resolve, reject);
        });
      }),
      timeoutMs,
      `Kafka ApiVersions over PLAINTEXT to ${host}:${port}`,
    );
  } finally {
    socket.destroy();
  }
}

/** What a successful TLS probe learned about the broker's certificate. */
export interface TlsProbeResult {
  readonly protocol: string | null;
  /** Broker chain as presented, leaf first: subject CN, issuer CN, notAfter. */
  readonly chain: readonly { subject: string; issuer: string; validTo: string; san?: string }[];
}

/** A TLS failure with the certificate the broker presented (when the handshake got that far). */
export class TlsProbeError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly peer: TlsProbeResult['chain'],
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'TlsProbeError';
  }
}

function describeChain(cert: PeerCertificate | undefined): TlsProbeResult['chain'] {
  const out: { subject: string; issuer: string; validTo: string; san?: string }[] = [];
  const seen = new Set<string>();
  let c = cert as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  while (c && Object.keys(c).length > 0 && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push({
      subject: c.subject?.CN ?? JSON.stringify(c.subject),
      issuer: c.issuer?.CN ?? JSON.stringify(c.issuer),
      validTo: c.valid_to,
      ...(c.subjectaltname ? { san: c.subjectaltname } : {}),
    });
    c = c.issuerCertificate;
  }
  return out;
}

/**
 * TLS handshake (verified against `tls.ca`, or the Node.js public roots when absent) with the optional client
 * certificate, then an ApiVersions round trip. Rejects with TlsProbeError carrying the OpenSSL / Node code.
 */
export async function tlsKafkaProbe(
  host: string,
  port: number,
  tls: KafkaTlsMaterial,
  timeoutMs: number,
): Promise<TlsProbeResult> {
  let socket: TLSSocket | undefined;
  let peer: TlsProbeResult['chain'] = [];
  const capturePeer = () => {
    try {
      if (socket && peer.length === 0) peer = describeChain(socket.getPeerCertificate(true));
    } catch {
      // no certificate seen yet
    }
  };
  try {
    return await withTimeout(
      new Promise<TlsProbeResult>((resolve, reject) => {
        socket = tlsConnect({
          host,
          port,
          rejectUnauthorized: true,
          ...(isIP(host) ? {} : { servername: tls.servername ?? host }),
          ...(tls.servername && isIP(host) ? { servername: tls.servername } : {}),
          ...(tls.ca ? { ca: tls.ca } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
          ...(tls.passphrase ? { passphrase: tls.passphrase } : {}),
        });
        const s = socket;
        // The broker certificate is known once key material is derived (keylog fires then, before Node's
        // verification): capture it so a verification failure can name the certificate. Secrets unused.
        s.on('keylog', capturePeer);
        s.once('error', (err: NodeJS.ErrnoException) => {
          capturePeer();
          reject(new TlsProbeError(err.message, err.code ?? 'UNKNOWN', peer, { cause: err }));
        });
        s.once('secureConnect', () => {
          capturePeer();
          kafkaRoundTrip(s, `${host}:${port}`).then(
            () => resolve({ protocol: s.getProtocol(), chain: peer }),
            (err: NodeJS.ErrnoException) =>
              reject(new TlsProbeError(err.message, err.code ?? 'UNKNOWN', peer, { cause: err })),
          );
        });
      }),
      timeoutMs,
      `TLS handshake with ${host}:${port}`,
    );
  } finally {
    socket?.destroy();
  }
}
