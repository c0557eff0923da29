/**
 * MSK bootstrap lookup (core/msk-bootstrap.ts): which GetBootstrapBrokers string each auth type's client
 * dials (the fields named by its module), the SDK call (moto has no GetBootstrapBrokers: a narrow
 * aws-sdk-client-mock case, in the cluster's Region) and the error for a cluster without the auth type's
 * broker string.
 */
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  awsBootstrapLookup,
  type BootstrapBrokers,
  lookupBootstrapBrokers,
  MissingBootstrapBrokersError,
  parseBrokerString,
  pickBootstrapBrokers,
} from '../../../core/msk-bootstrap.js';
import { authKind } from '../../../pipes/kinds/registry.js';

const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2';
/** A provisioned cluster with every listener turned on, private and public. */
const ALL: BootstrapBrokers = {
  BootstrapBrokerString: 'b-1.orders.kafka.eu-west-1.amazonaws.com:9092',
  BootstrapBrokerStringTls:
    'b-1.orders.kafka.eu-west-1.amazonaws.com:9094,b-2.orders.kafka.eu-west-1.amazonaws.com:9094',
  BootstrapBrokerStringSaslScram: 'b-1.orders.kafka.eu-west-1.amazonaws.com:9096',
  BootstrapBrokerStringSaslIam: 'b-1.orders.kafka.eu-west-1.amazonaws.com:9098',
  BootstrapBrokerStringPublicTls: 'b-1-public.orders.kafka.eu-west-1.amazonaws.com:9194',
  BootstrapBrokerStringPublicSaslScram: 'b-1-public.orders.kafka.eu-west-1.amazonaws.com:9196',
  BootstrapBrokerStringPublicSaslIam: 'b-1-public.orders.kafka.eu-west-1.amazonaws.com:9198',
};
const fieldsOf = (type: string) => {
  const fields = authKind(type).mskBootstrap;
  if (!fields) throw new Error(`auth type ${type} names no MSK broker string`);
  return fields;
};

describe('pickBootstrapBrokers by auth type', () => {
  it.each([
    ['iam', ALL, 'BootstrapBrokerStringSaslIam', ['b-1.orders.kafka.eu-west-1.amazonaws.com:9098']],
    [
      'sasl-scram-512',
      ALL,
      'BootstrapBrokerStringSaslScram',
      ['b-1.orders.kafka.eu-west-1.amazonaws.com:9096'],
    ],
    [
      'mtls',
      ALL,
      'BootstrapBrokerStringTls',
      ['b-1.orders.kafka.eu-west-1.amazonaws.com:9094', 'b-2.orders.kafka.eu-west-1.amazonaws.com:9094'],
    ],
    [
      'none',
      ALL,
      'BootstrapBrokerStringTls',
      ['b-1.orders.kafka.eu-west-1.amazonaws.com:9094', 'b-2.orders.kafka.eu-west-1.amazonaws.com:9094'],
    ],
    [
      'iam',
      { BootstrapBrokerStringPublicSaslIam: 'b-1-public.x:9198', BootstrapBrokerStringSaslIam: '' },
      'BootstrapBrokerStringPublicSaslIam',
      ['b-1-public.x:9198'],
    ],
    [
      'sasl-scram-512',
      { BootstrapBrokerStringPublicSaslScram: 'p:9196' },
      'BootstrapBrokerStringPublicSaslScram',
      ['p:9196'],
    ],
    ['mtls', { BootstrapBrokerStringPublicTls: 'p:9194' }, 'BootstrapBrokerStringPublicTls', ['p:9194']],
  ] as const)('%s on %j dials %s', (type, response, field, brokers) => {
    // Act
    const picked = pickBootstrapBrokers(response, fieldsOf(type).fields);
    // Assert
    expect(picked).toEqual({ field, brokers });
  });

  it('finds nothing for IAM on a cluster with TLS only, and the SCRAM-SHA-256 module names no MSK listener', () => {
    // Act + Assert
    expect(
      pickBootstrapBrokers({ BootstrapBrokerStringTls: 'b:9094' }, fieldsOf('iam').fields),
    ).toBeUndefined();
    expect(authKind('sasl-scram-256').mskBootstrap).toBeUndefined();
  });

  it('splits a broker string on commas, dropping blanks', () => {
    expect(parseBrokerString(' a:1, b:2 ,,c:3 ')).toEqual(['a:1', 'b:2', 'c:3']);
  });
});

describe('awsBootstrapLookup (GetBootstrapBrokers through the SDK)', () => {
  const kafkaMock = mockClient(KafkaClient);
  afterEach(() => kafkaMock.reset());

  it("asks for the cluster ARN with a client in the cluster's Region and returns the broker strings", async () => {
    // Arrange
    kafkaMock.on(GetBootstrapBrokersCommand).resolves({ ...ALL, $metadata: {} });
    const lookup = awsBootstrapLookup({ credentials: { accessKeyId: 'a', secretAccessKey: 's' } });

    // Act
    const brokers = await lookupBootstrapBrokers(lookup, fieldsOf('iam'), {
      file: 'pipes/sources/orders.yaml',
      clusterArn: ARN,
      authType: 'iam',
    });

    // Assert
    expect(brokers).toEqual(['b-1.orders.kafka.eu-west-1.amazonaws.com:9098']);
    const calls = kafkaMock.commandCalls(GetBootstrapBrokersCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([{ ClusterArn: ARN }]);
    const client = calls[0]?.thisValue as KafkaClient;
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('names the file, the field, the broker strings the cluster has and the fix when the auth type has none', async () => {
    // Arrange
    kafkaMock.on(GetBootstrapBrokersCommand).resolves({
      BootstrapBrokerStringTls: 'b-1:9094',
      BootstrapBrokerStringSaslScram: 'b-1:9096',
      $metadata: {},
    });
    const lookup = awsBootstrapLookup({ credentials: { accessKeyId: 'a', secretAccessKey: 's' } });

    // Act
    const error = await lookupBootstrapBrokers(lookup, fieldsOf('iam'), {
      file: 'pipes/sources/orders.yaml',
      clusterArn: ARN,
      authType: 'iam',
    }).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(MissingBootstrapBrokersError);
    expect((error as MissingBootstrapBrokersError).issue).toEqual({
      file: 'pipes/sources/orders.yaml',
      field: 'brokers',
      message: `Cluster ${ARN} has no bootstrap broker string for auth type iam (BootstrapBrokerStringSaslIam or BootstrapBrokerStringPublicSaslIam); GetBootstrapBrokers returned BootstrapBrokerStringTls, BootstrapBrokerStringSaslScram`,
      fix: "turn on IAM role-based authentication for the cluster (MSK console: the cluster's Properties, Security settings), set auth.type to an auth type the cluster has turned on, or list its bootstrap brokers in brokers",
    });
    expect((error as Error).message).toMatch(
      /^pipes\/sources\/orders\.yaml: brokers: Cluster .* Fix: turn on IAM/,
    );
  });
});
