import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import { openAdminProbe } from '../../../core/kafka/admin-probe.js';
import { toKafkaConfig } from '../../../core/kafka/client.js';
import {
  backoffMs,
  classifyKafkaError,
  isOffsetOutOfRange,
  withRetries,
} from '../../../core/kafka/failures.js';

describe('toKafkaConfig', () => {
  it('verifies TLS and hands the SASL settings to kafkajs as they are', () => {
    // Act
    const config = toKafkaConfig({
      brokers: ['b1:9096'],
      tls: { ca: 'CA' },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });

    // Assert
    expect(config.ssl).toEqual({ rejectUnauthorized: true, ca: ['CA'] });
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    expect(config.retry).toEqual({ retries: 2, initialRetryTime: 100, maxRetryTime: 2_000 });
  });

  it('leaves TLS and SASL out for a PLAINTEXT connection', () => {
    const config = toKafkaConfig({ brokers: ['b1:9092'] });
    expect(config.ssl).toBeUndefined();
    expect(config.sasl).toBeUndefined();
  });
});

describe('classifyKafkaError', () => {
  it('tells a refused connection by its kafkajs class, also when wrapped', async () => {
    // Arrange: nothing listens on port 1
    const error = await openAdminProbe({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 1_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Act
    const direct = classifyKafkaError(error);
    const wrapped = classifyKafkaError(new RetriableError('could not connect', { cause: error }));

    // Assert
    expect(direct).toMatchObject({ kind: 'connection', name: 'KafkaJSConnectionError' });
    expect(direct.message).toMatch(/ECONNREFUSED/);
    expect(wrapped).toEqual(direct);
  });

  it('does not guess from messages: a plain error naming SASL or a time-out is "other"', () => {
    expect(classifyKafkaError(new Error('SASL authentication failed'))).toEqual({
      kind: 'other',
      name: 'Error',
      message: 'SASL authentication failed',
    });
    expect(classifyKafkaError(new Error('timed out')).kind).toBe('other');
    expect(isOffsetOutOfRange(Object.assign(new Error('x'), { type: 'OFFSET_OUT_OF_RANGE' }))).toBe(false);
  });
});

describe('retries', () => {
  it('backs off exponentially from 200 ms up to 2 s', () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffMs)).toEqual([200, 400, 800, 1_600, 2_000, 2_000]);
  });

  it('retries retriable failures only, up to the attempts given', async () => {
    // Arrange
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new RetriableError(`attempt ${calls}`);
    };

    // Act + Assert
    await expect(withRetries(failing, 2)).rejects.toThrow('attempt 2');
    expect(calls).toBe(2);
    await expect(withRetries(async () => Promise.reject(new Error('fatal')), 5)).rejects.toThrow('fatal');
  });
});
