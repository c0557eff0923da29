/**
 * The MSK IAM token provider (core/kafka/msk-iam-token.ts) and the OAUTHBEARER initial response
 * (core/kafka/oauthbearer.ts): AWS's signer runs for real (it signs locally, no network); the clock and the
 * credentials are injected.
 */
import { describe, expect, it } from 'vitest';
import { toKafkaConfig } from '../../../core/kafka/client.js';
import { mskIamSasl, TOKEN_REFRESH_MARGIN_MS } from '../../../core/kafka/msk-iam-token.js';
import { initialResponse } from '../../../core/kafka/oauthbearer.js';

describe('mskIamSasl', () => {
  it('signs once, reuses the token while more than the margin is left, then signs again', async () => {
    // Arrange: the signer's tokens last 900 s from the real clock; the provider's clock is ours
    let signed = 0;
    const credentials = async () => {
      signed++;
      return { accessKeyId: 'AKIAUNITTEST', secretAccessKey: 'secret' };
    };
    let now = Date.now();
    const sasl = mskIamSasl({ region: 'us-east-1', credentials, nowMs: () => now });

    // Act
    await Promise.all([sasl.oauthBearerProvider(), sasl.oauthBearerProvider()]);
    const afterConcurrent = signed;
    now += 900_000 - TOKEN_REFRESH_MARGIN_MS - 5_000;
    await sasl.oauthBearerProvider();
    const beforeMargin = signed;
    now += 10_000;
    await sasl.oauthBearerProvider();

    // Assert
    expect([afterConcurrent, beforeMargin, signed]).toEqual([1, 1, 2]);
  });

  it('signs again after a failed signing instead of keeping the failure', async () => {
    // Arrange
    let calls = 0;
    const credentials = async () => {
      calls++;
      if (calls === 1) throw new Error('no credentials yet');
      return { accessKeyId: 'AKIAUNITTEST', secretAccessKey: 'secret' };
    };
    const sasl = mskIamSasl({ region: 'us-east-1', credentials });

    // Act
    const first = await sasl.oauthBearerProvider().catch((e: Error) => e.message);
    const second = await sasl.oauthBearerProvider();

    // Assert
    expect(first).toBe('no credentials yet');
    expect(second.value).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('hands OAUTHBEARER to kafkajs with the adapter authenticator, and the RFC 7628 initial response', () => {
    const sasl = mskIamSasl({ region: 'us-east-1' });
    const config = toKafkaConfig({ brokers: ['b:9098'], sasl, reauthenticationThresholdMs: 1_000 });
    expect(config.sasl?.mechanism).toBe('oauthbearer');
    expect(typeof (config.sasl as { authenticationProvider?: unknown }).authenticationProvider).toBe(
      'function',
    );
    expect(config.reauthenticationThreshold).toBe(1_000);
    expect(initialResponse('tok').toString('utf8')).toBe('n,,\u0001auth=Bearer tok\u0001\u0001');
  });
});
