/**
 * The ONLY module that imports kafkajs (design.md §3: kafkajs is unmaintained since 2023, so it stays
 * behind one adapter). Everything else (poller, CLI, test harness, local runner) goes through here.
 *
 * TLS is always verified: `rejectUnauthorized` is never false.
 */
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';

/** How to reach and authenticate to a Kafka cluster. */
export interface KafkaConnection {
  /** `host:port` bootstrap brokers. */
  readonly brokers: readonly string[];
  /** Client id shown in broker logs and consumer-group listings. */
  readonly clientId?: string;
  /** TLS settings; absent means PLAINTEXT. */
  readonly tls?: KafkaTlsMaterial;
  /** SASL credentials (SCRAM or PLAIN/BASIC) — over TLS in practice. */
  readonly sasl?: KafkaSaslCredentials;
  /** TCP connect timeout in ms (default 5000). */
  readonly connectionTimeoutMs?: number;
  /** Request timeout in ms (default 15000). */
  readonly requestTimeoutMs?: number;
  /** kafkajs retry count for a request (default 2: fail fast, callers decide). */
  readonly retries?: number;
}

/** PEM material for TLS / mTLS. */
export interface KafkaTlsMaterial {
  /** Trusted CA certificates (PEM bundle). Absent = the Node.js default (public) roots. */
  readonly ca?: string;
  /** Client certificate chain (PEM) for mTLS. */
  readonly cert?: string;
  /** Client private key (PEM, PKCS#8, possibly encrypted). */
  readonly key?: string;
  /** Passphrase of an encrypted client key. */
  readonly passphrase?: string;
  /** SNI / host name to verify when it differs from the broker address. */
  readonly servername?: string;
}

/** SASL credentials. */
export interface KafkaSaslCredentials {
  readonly mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  readonly username: string;
  readonly password: string;
}

/** Builds the kafkajs configuration (pure, exported for tests). */
export function toKafkaConfig(conn: KafkaConnection): KafkaConfig {
  const config: KafkaConfig = {
    clientId: conn.clientId ?? 'kafka-pipes-template',
    brokers: [...conn.brokers],
    connectionTimeout: conn.connectionTimeoutMs ?? 5_000,
    requestTimeout: conn.requestTimeoutMs ?? 15_000,
    retry: { retries: conn.retries ?? 2, initialRetryTime: 100, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  };
  if (conn.tls) {
    config.ssl = {
      rejectUnauthorized: true,
      ...(conn.tls.ca ? { ca: [conn.tls.ca] } : {}),
      ...(conn.tls.cert ? { cert: conn.tls.cert } : {}),
      ...(conn.tls.key ? { key: conn.tls.key } : {}),
      ...(conn.tls.passphrase ? { passphrase: conn.tls.passphrase } : {}),
      ...(conn.tls.servername ? { servername: conn.tls.servername } : {}),
    };
  }
  if (conn.sasl) {
    config.sasl = {
      mechanism: conn.sasl.mechanism,
      username: conn.sasl.username,
      password: conn.sasl.password,
    } as SASLOptions;
  }
  return config;
}

/** Creates a kafkajs client for the connection. */
export function createKafka(conn: KafkaConnection): Kafka {
  return new Kafka(toKafkaConfig(conn));
}

export type { Kafka } from 'kafkajs';
