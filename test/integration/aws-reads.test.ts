/**
 * The HMAC key read of the rules loader (enrichment/aws-reads.ts secretStringReader) against Secrets Manager
 * on the test bed's moto: the secret's string, cached for the max age, re-read after it (a rotation is seen).
 */
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { secretStringReader } from '../../enrichment/aws-reads.js';

const bed = inject('testbed');
let clients: AwsClients;

beforeAll(() => {
  clients = awsClients(bed.moto.endpoint, bed.moto.region);
});

afterAll(() => clients.destroy());

describe('secretStringReader on moto', () => {
  it('reads the secret string, serves it from the cache within the max age and re-reads it after', async () => {
    // Arrange
    const name = `hmac-key-${Date.now()}`;
    await clients.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: 'key-1' }));
    let clock = 1_000_000;
    const read = secretStringReader(45, clients.config, () => clock);

    // Act
    const first = await read(name);
    await clients.secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'key-2' }));
    clock += 44_999;
    const cached = await read(name);
    clock += 1;
    const rotated = await read(name);

    // Assert
    expect([first, cached, rotated]).toEqual(['key-1', 'key-1', 'key-2']);
  });

  it('rejects for a secret that does not exist', async () => {
    const read = secretStringReader(45, clients.config);
    await expect(read(`missing-${Date.now()}`)).rejects.toThrow(/ResourceNotFound|can't find/i);
  });
});
