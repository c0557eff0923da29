/**
 * The Kafka adapter's connection settings and their kafkajs configuration. core/kafka/ is the only folder
 * that imports kafkajs: kafkajs is unmaintained since 2023, so it stays behind this adapter, and the poller,
 * the CLI and the dev kit reach Kafka only through the functions and types of core/kafka/.
 *
 * This file loads no kafkajs code but its log levels, so the poller's path (cluster.ts) does not pull in
 * kafkajs' client class with its producer, consumer and admin; client.ts builds that client.
 *
 * TLS is always verified: `rejectUnauthorized` is never false.
 */
import type { KafkaConfig, logLevel, SASLOptions } from 'kafkajs';
import loggers from 'kafkajs/src/loggers/index.js';
import { oauthBearerMechanism } from './oauthbearer.js';

/** How to reach and authenticate to a Kafka cluster. */
export interface KafkaConnection {
  /** `host:port` bootstrap brokers. */
  readonly brokers: readonly string[];
  /** Client id shown in broker logs and consumer-group listings. */
  readonly clientId?: string;
  /** TLS settings; absent means PLAINTEXT. */
  readonly tls?: KafkaTlsMaterial;
  /** SASL authentication (over TLS in practice); absent means none. */
  readonly sasl?: KafkaSasl;
  /** TCP connect timeout in ms (default 5000). */
  readonly connectionTimeoutMs?: number;
  /** Request timeout in ms (default 15000). */
  readonly requestTimeoutMs?: number;
  /** kafkajs retry count for a request (default 2: fail fast, callers decide). */
  readonly retries?: number;
  /**
   * How long before the end of a SASL session (the lifetime the broker returns, KIP-368) kafkajs
   * re-authenticates, in ms (kafkajs default 10000). kafkajs checks before each request; with a session no
   * longer than this it re-authenticates before every request, and a broker refuses re-authentications less
   * than a second apart (ILLEGAL_SASL_STATE), so it must stay well below the session lifetime.
   */
  readonly reauthenticationThresholdMs?: number;
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

/** SASL with a user name and password: SCRAM-SHA-256/512, or PLAIN for basic auth. */
export interface KafkaSaslCredentials {
  readonly mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain';
  readonly username: string;
  readonly password: string;
}

/** A SASL/OAUTHBEARER token as kafkajs takes it: the token string (RFC 7628 `auth=Bearer <value>`). */
export interface KafkaOAuthBearerToken {
  readonly value: string;
}

/**
 * SASL/OAUTHBEARER with a token provider (MSK IAM: core/kafka/msk-iam-token.ts). kafkajs calls the provider on
 * every (re-)authentication, so the provider reuses a token until shortly before it expires.
 */
export interface KafkaSaslOAuthBearer {
  readonly mechanism: 'oauthbearer';
  readonly oauthBearerProvider: () => Promise<KafkaOAuthBearerToken>;
}

/**
 * Every SASL mechanism the adapter speaks, one member per mechanism, each in the shape kafkajs' `sasl`
 * option takes (checked below); the callers that pass a KafkaConnection along do not depend on the
 * mechanism. OAUTHBEARER is handed to kafkajs with the adapter's own authenticator (oauthbearer.ts).
 */
export type KafkaSasl = KafkaSaslCredentials | KafkaSaslOAuthBearer;

/** Compile-time proof that every KafkaSasl member is a kafkajs SASL option. */
const saslIsKafkajsOption = (sasl: KafkaSasl): SASLOptions => ({ ...sasl });

/** Builds the kafkajs configuration (pure, exported for tests). */
export function toKafkaConfig(conn: KafkaConnection): KafkaConfig {
  const config: KafkaConfig = {
    clientId: conn.clientId ?? 'kafka-pipes-template',
    brokers: [...conn.brokers],
    connectionTimeout: conn.connectionTimeoutMs ?? 5_000,
    requestTimeout: conn.requestTimeoutMs ?? 15_000,
    retry: { retries: conn.retries ?? 2, initialRetryTime: 100, maxRetryTime: 2_000 },
    logLevel: loggers.LEVELS.NOTHING as logLevel,
    ...(conn.reauthenticationThresholdMs !== undefined
      ? { reauthenticationThreshold: conn.reauthenticationThresholdMs }
      : {}),
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
    // OAUTHBEARER goes through the adapter's authenticator, which reads the broker's answer (oauthbearer.ts).
    config.sasl =
      conn.sasl.mechanism === 'oauthbearer'
        ? oauthBearerMechanism(conn.sasl)
        : saslIsKafkajsOption(conn.sasl);
  }
  return config;
}
