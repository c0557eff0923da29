/**
 * Smoke tests of the test bed's broker: kafkajs produces and consumes over every listener, and the three
 * misconfigurations (wrong CA, no client certificate, wrong SCRAM password) fail fast with asserted errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import type { KafkaConnection } from '../../core/kafka/client.js';
import { consumeMessages } from '../../core/kafka/group-member.js';
import {
  createTopic,
  fetchClusterMetadata,
  kafkaConnections,
  produceMessages,
  uniqueName,
} from '../../devkit/testbed/kafka.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';

const bed = inject('testbed');
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);

/** Upper bound for a refused connection: kafkajs retries 2 times with ≤ 2 s backoff. */
const REFUSAL_BOUND_MS = 15_000;

describe('kafkajs against the test bed broker', () => {
  it("runs the broker version of its vitest project and logs through that version's logging config", () => {
    // Arrange: the project's KAFKA_PIPES_BROKER_VERSION (vitest.config.ts), else the default of the bed
    const expected = process.env.KAFKA_PIPES_BROKER_VERSION ?? bed.kafka.version;
    // Act
    const log = readFileSync(bed.kafka.logFile, 'utf8');
    // Assert: the broker's own start-up line, written by the pattern of devkit/testbed/kafka-broker.ts
    expect(bed.kafka.version).toBe(expected);
    expect(log).toMatch(new RegExp(`\\] INFO Kafka version: ${expected.replace(/\./g, '\\.')} \\(`));
    expect(log).not.toMatch(/No log4j2 configuration file found|log4j:WARN No appenders/);
  });

  it.each([
    { listener: 'PLAINTEXT', conn: conns.plaintext },
    { listener: 'SSL (mTLS, private root → intermediate chain)', conn: conns.mtls },
    {
      listener: 'SSL (mTLS, PBES1-encrypted PKCS#8 client key)',
      conn: {
        ...conns.mtls,
        tls: { ...conns.mtls.tls, key: bed.pki.clientKeyEncrypted, passphrase: bed.pki.clientKeyPassword },
      },
    },
    { listener: 'SASL_SSL SCRAM-SHA-512', conn: conns.scram },
    { listener: 'SASL_SSL SCRAM-SHA-256', conn: conns.scram256 },
  ])('produces and consumes over $listener', async ({ conn }: { conn: KafkaConnection }) => {
    // Arrange
    const topic = uniqueName('smoke');
    await createTopic(conn, topic, 3);
    const messages = Array.from({ length: 30 }, (_, i) => ({
      key: `key-${i % 5}`,
      value: JSON.stringify({ n: i, topic }),
      headers: { source: 'smoke' },
    }));

    // Act
    const produced = await produceMessages(conn, topic, messages);
    const consumed = await consumeMessages(conn, topic, { count: messages.length, timeoutMs: 30_000 });

    // Assert
    expect(produced.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    expect(consumed).toHaveLength(messages.length);
    expect(consumed.map((m) => m.value?.toString('utf8')).sort()).toEqual(
      messages.map((m) => m.value).sort(),
    );
    expect(new Set(consumed.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
    expect(consumed.every((m) => m.headers.source?.toString() === 'smoke')).toBe(true);
  });

  it('reports one broker and a controller over every listener', async () => {
    const results = await Promise.all(
      [conns.plaintext, conns.mtls, conns.scram].map((c) => fetchClusterMetadata(c)),
    );

    for (const meta of results) {
      expect(meta.brokers).toHaveLength(1);
      expect(meta.controller).toBe(1);
      expect(meta.clusterId).toBe(results[0]?.clusterId);
    }
  });

  it.each([
    {
      name: 'mTLS trusting an unrelated CA',
      conn: { ...conns.mtls, tls: { ...conns.mtls.tls, ca: bed.pki.wrongCa } },
      errorName: 'KafkaJSNumberOfRetriesExceeded',
      message: /^Connection error: unable to get local issuer certificate$/,
      causeCode: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    },
    {
      name: 'SSL listener without a client certificate',
      conn: { ...conns.mtls, tls: { ca: bed.pki.caChain } },
      errorName: 'KafkaJSNumberOfRetriesExceeded',
      message: /^Connection error: .*alert (bad certificate|certificate required)/,
      causeCode: /^ERR_SSL_(SSLV3_ALERT_BAD_CERTIFICATE|TLSV13_ALERT_CERTIFICATE_REQUIRED)$/,
    },
    {
      name: 'SCRAM-SHA-512 with a wrong password',
      conn: {
        ...conns.scram,
        sasl: { mechanism: 'scram-sha-512', username: bed.scram.username, password: 'wrong-password' },
      },
      errorName: 'KafkaJSSASLAuthenticationError',
      message:
        /^SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512$/,
      causeCode: undefined,
    },
    {
      name: 'SCRAM-SHA-256 with a wrong password',
      conn: {
        ...conns.scram256,
        sasl: { mechanism: 'scram-sha-256', username: bed.scram.username, password: 'wrong-password' },
      },
      errorName: 'KafkaJSSASLAuthenticationError',
      message:
        /^SASL SCRAM SHA256 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256$/,
      causeCode: undefined,
    },
  ] as const)('refuses $name within a bounded time', async ({ conn, errorName, message, causeCode }) => {
    // Arrange
    const started = Date.now();

    // Act
    const error = await fetchClusterMetadata(conn as KafkaConnection).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );

    // Assert
    expect(Date.now() - started).toBeLessThan(REFUSAL_BOUND_MS);
    expect(error?.name).toBe(errorName);
    expect(error?.message).toMatch(message);
    if (causeCode === undefined) expect(error?.cause?.code).toBeUndefined();
    else expect(error?.cause?.code).toMatch(causeCode);
  });
});
