/**
 * Avro and Protobuf values framed by a Confluent-API schema registry, end to end on real parts except the
 * registry server, which is a stand-in (test/harness/confluent-registry.ts says exactly how and why): the
 * records are written by Confluent's own serializers (`@confluentinc/schemaregistry` AvroSerializer and
 * ProtobufSerializer, which register their schemas in the library's MockClient), produced into the test
 * bed's broker, and decoded by both engines through the registry API served over HTTPS from what those
 * serializers registered — TLS verified against the test bed's root CA and basic auth, both read from
 * moto's Secrets Manager as the Lambdas read them. The poller reads the broker (createPoller, as the
 * Lambda wires it); the Pipe path runs the enrichment handler on the Pipe event of the same records. Both
 * write byte-identical canonical records, equal to those of the records' JSON twins; bad records go to
 * the DLQ with their reasons; a registry that refuses the login, is not trusted or answers 5xx fails the
 * batch (no DLQ entry).
 */

import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createMutableRegistry, fromJson } from '@bufbuild/protobuf';
import { AvroSerializer, MockClient, ProtobufSerializer, SerdeType } from '@confluentinc/schemaregistry';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RetriableError } from '../../core/errors.js';
import { APIC_AVRO_SCHEMA_TEXT, confluentFramed } from '../../devkit/apic-avro.js';
import { type ApicEvent, createApicGenerator } from '../../devkit/apic-generator.js';
import { APIC_PROTO_MESSAGE, APIC_PROTO_TEXT } from '../../devkit/apic-protobuf.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections, uniqueName } from '../../devkit/testbed/kafka.js';
import { confluentRegistry } from '../../enrichment/formats/registries/confluent.js';
import {
  type CanonicalRecord,
  type DlqEntry,
  enrichBatch,
  serializeCanonical,
} from '../../enrichment/index.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { protoFileRegistry, type StandInRegistry, serveRegistry } from '../harness/confluent-registry.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import { drainPartition, kinesisData, RULES, realPoller, setupPollerResources } from './poller-fixture.js';
import {
  formatHandler,
  type ProducedValue,
  pipeEventOf,
  produceValues,
  reasonCodes,
  type TwinnedValue,
} from './registry-fixture.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);
const LOGIN = { username: 'decoder', password: 'p4ss-word' };

/** The stand-in registry, the MockClient the serializers register in, and the secrets of its settings. */
interface Registry {
  readonly client: MockClient;
  readonly server: StandInRegistry;
  readonly loginSecret: string;
  readonly badLoginSecret: string;
  readonly caSecret: string;
  readonly wrongCaSecret: string;
}

async function secret(name: string, value: object): Promise<string> {
  const out = await aws.secretsManager.send(
    new CreateSecretCommand({ Name: uniqueName(name), SecretString: JSON.stringify(value) }),
  );
  return out.ARN as string;
}

let registry: Registry;
beforeAll(async () => {
  const client = new MockClient({ baseURLs: ['mock://stand-in'] });
  const server = await serveRegistry(
    client,
    { cert: bed.pki.brokerCertChain, key: bed.pki.brokerKey },
    LOGIN,
  );
  registry = {
    client,
    server,
    loginSecret: await secret('registry-login', LOGIN),
    badLoginSecret: await secret('registry-bad-login', { ...LOGIN, password: 'wrong' }),
    caSecret: await secret('registry-ca', { certificate: bed.pki.rootCa }),
    wrongCaSecret: await secret('registry-wrong-ca', { certificate: bed.pki.wrongCa }),
  };
});
afterAll(async () => {
  await registry?.server.close();
  aws.destroy();
});

function settings(format: 'avro' | 'protobuf', login = registry.loginSecret, ca = registry.caSecret) {
  return {
    format,
    registry: {
      type: 'confluent' as const,
      url: registry.server.url,
      auth: { type: 'basic' as const, secret: login },
      rootCaSecret: ca,
    },
    fallback: 'json' as const,
  };
}

const secretString = async (arn: string) =>
  (await aws.secretsManager.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString as string;

/** The Avro record of a generator event: timestamps as epoch milliseconds, no geo-IP. */
function avroRecord(e: ApicEvent) {
  const { '@timestamp': ts, ...rest } = e;
  return {
    analytics_timestamp: Date.parse(ts),
    ...rest,
    datetime: Date.parse(e.datetime),
    client_geoip: null,
  };
}

async function avroValues(topic: string, events: readonly ApicEvent[]): Promise<TwinnedValue[]> {
  // Registered as a producer's build registers it; the serializer then writes with the subject's latest.
  await registry.client.register(`${topic}-value`, { schemaType: 'AVRO', schema: APIC_AVRO_SCHEMA_TEXT });
  const serializer = new AvroSerializer(registry.client, SerdeType.VALUE, { useLatestVersion: true });
  const good: TwinnedValue[] = [];
  for (const e of events) good.push({ value: await serializer.serialize(topic, avroRecord(e)), twin: e });
  const bytes = good[0]?.value as Buffer;
  return [...good, { value: confluentFramed(424_242, bytes.subarray(5)) }, { value: bytes.subarray(0, 40) }];
}

const COMMON = {
  name: 'shared/common.proto',
  text: 'syntax = "proto3";\npackage shared;\nmessage Money { string currency = 1; int64 units = 2; }\n',
  imports: [],
};
const ORDER = {
  name: 'shop/order.proto',
  text: 'syntax = "proto3";\npackage shop;\nimport "shared/common.proto";\nmessage Note { string text = 1; }\nmessage Order { string id = 1; shared.Money total = 2; repeated string items = 3; }\n',
  imports: ['shared/common.proto'],
};
const APIC_FILE = {
  name: 'apic/api_event.proto',
  text: APIC_PROTO_TEXT,
  imports: ['google/protobuf/struct.proto', 'google/protobuf/timestamp.proto'],
};

/**
 * Protobuf values: API Connect events written by the ProtobufSerializer (which registers the schema as a
 * serialized descriptor) and by it again with the schema registered as `.proto` text (as a real server
 * keeps it), and orders whose schema references another subject (message index [1]).
 */
async function protobufValues(topic: string, events: readonly ApicEvent[]): Promise<TwinnedValue[]> {
  const apic = protoFileRegistry([APIC_FILE]);
  const auto = new ProtobufSerializer(registry.client, SerdeType.VALUE, {
    autoRegisterSchemas: true,
    registry: createMutableRegistry(apic),
  });
  const textTopic = `${topic}-text`;
  const textId = await registry.client.register(`${textTopic}-value`, {
    schemaType: 'PROTOBUF',
    schema: APIC_PROTO_TEXT,
  });
  const fromText = new ProtobufSerializer(registry.client, SerdeType.VALUE, {
    useSchemaId: textId,
    registry: createMutableRegistry(apic),
  });
  const desc = apic.getMessage(APIC_PROTO_MESSAGE);
  if (desc === undefined) throw new Error('no ApiEvent descriptor');
  const out: TwinnedValue[] = [];
  for (const [i, e] of events.entries()) {
    const { '@timestamp': ts, ...rest } = e;
    const message = fromJson(desc, { analytics_timestamp: ts, ...rest } as never);
    const value = await (i % 2 === 0
      ? auto.serialize(topic, message)
      : fromText.serialize(textTopic, message));
    out.push({ value, twin: e });
  }
  const shop = protoFileRegistry([COMMON, ORDER]);
  const orders = new ProtobufSerializer(registry.client, SerdeType.VALUE, {
    autoRegisterSchemas: true,
    registry: createMutableRegistry(shop),
  });
  const orderDesc = shop.getMessage('shop.Order');
  if (orderDesc === undefined) throw new Error('no Order descriptor');
  const order = { id: 'o-1', total: { currency: 'EUR', units: '9007199254740993' }, items: ['a', 'b'] };
  out.push({ value: await orders.serialize(`${topic}-orders`, fromJson(orderDesc, order)), twin: order });
  const bytes = out[0]?.value as Buffer;
  out.push({ value: confluentFramed(424_243, bytes.subarray(5)) }, { value: bytes.subarray(0, 30) });
  return out;
}

/** Produces the values (plus a JSON record for the fallback) to partition 0. */
async function produce(topic: string, values: TwinnedValue[]): Promise<ProducedValue[]> {
  const extra = createApicGenerator({ seed: 77 }).next();
  return produceValues(conns.plaintext, topic, [
    ...values,
    { value: Buffer.from(JSON.stringify(extra)), twin: extra },
  ]);
}

describe.each([
  ['avro', avroValues, 25],
  ['protobuf', protobufValues, 24],
] as const)(
  '%s values through the Confluent registry API (stand-in server) and both engines',
  (format, values, good) => {
    it('both engines give the canonical records of the JSON twins, byte for byte; bad records go to the DLQ', async () => {
      // Arrange
      const base = await setupPollerResources(
        bed,
        aws,
        { kind: 'scram', truststore: 'secret' },
        conns.plaintext,
        1,
      );
      const value = settings(format);
      const config = { ...base, value } as PollerRuntimeConfig & { readonly streamName: string };
      const events = createApicGenerator({ seed: format === 'avro' ? 1301 : 1302, anomalyRate: 0.2 }).take(
        good,
      );
      const produced = await produce(config.topic, await values(config.topic, events));
      const before = registry.server.requests.length;
      // Act
      const responses = await drainPartition(realPoller(config, aws), 0);
      const sent: DlqEntry[] = [];
      const handler = await formatHandler(config, value, { secretString }, sent);
      const piped = await handler(pipeEventOf(config, produced, false));
      // Assert
      const twins = enrichBatch(pipeEventOf(config, produced, true), {
        rules: RULES,
        sourceName: config.sourceName,
        partitionKey: { type: 'record-key' },
      });
      expect(twins.records).toHaveLength(produced.length - 2);
      const expected = twins.records.map(serializeCanonical).sort();
      expect(piped.map((r: CanonicalRecord) => serializeCanonical(r)).sort()).toEqual(expected);
      expect(await kinesisData(aws, config.streamName)).toEqual(expected);
      expect(reasonCodes(sent)).toEqual(['unknown-schema', 'schema-decode-error']);
      expect(sent[0]?.value).toBe(produced[produced.length - 3]?.value.toString('base64'));
      expect(responses.reduce((n, r) => n + r.counts.dlq, 0)).toBe(2);
      // Each schema (and referenced subject) is fetched once per engine: the cache serves the rest.
      const fetched = registry.server.requests.slice(before);
      expect(fetched.length).toBe(new Set(fetched).size * 2);
    });
  },
);

describe('a registry that cannot answer fails the batch (the Pipe retries it, the poller writes nothing), no DLQ entry', () => {
  it.each([
    ['refuses the login (401)', () => settings('avro', registry.badLoginSecret)],
    [
      'is not trusted (a CA that did not issue its certificate)',
      () => settings('avro', registry.loginSecret, registry.wrongCaSecret),
    ],
    ['answers 503', () => settings('avro')],
  ])('a registry that %s', async (name, make) => {
    const base = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      1,
    );
    const config = { ...base, value: make() } as PollerRuntimeConfig & { readonly streamName: string };
    const produced = await produce(
      config.topic,
      await avroValues(`${config.topic}-x`, createApicGenerator({ seed: 5 }).take(2)),
    );
    const sent: DlqEntry[] = [];
    registry.server.failWith = name === 'answers 503' ? 503 : undefined;
    try {
      const handler = await formatHandler(config, make(), { secretString }, sent);
      const piped = await handler(pipeEventOf(config, produced, false)).catch((error: unknown) => error);
      expect(piped).toBeInstanceOf(RetriableError);
      expect(String((piped as Error).message)).toMatch(
        name.includes('401')
          ? /answered 401/
          : name.includes('503')
            ? /answered 503/
            : /failed: .*certificate/,
      );
      expect(sent).toEqual([]);
      const polled = await realPoller(
        config,
        aws,
      )({ kafka_partition: 0, iteration: 1 }).catch((e: unknown) => e);
      expect(polled).toBeInstanceOf(RetriableError);
      expect(await kinesisData(aws, config.streamName)).toEqual([]);
    } finally {
      registry.server.failWith = undefined;
    }
  });
});

describe('check: the registry probe (GET /subjects with the source credentials and root CA)', () => {
  it('passes with the right login and CA; names credentials, trust and a down registry otherwise', async () => {
    await registry.client.register('probe-subject-value', {
      schemaType: 'AVRO',
      schema: APIC_AVRO_SCHEMA_TEXT,
    });
    const probe = (make: () => ReturnType<typeof settings>) =>
      confluentRegistry.probe(make().registry, { secretString });
    const ok = await probe(() => settings('avro'));
    expect(ok).toMatchObject({ ok: true });
    expect(ok.message).toMatch(/answered 200: \d+ subject\(s\), credentials accepted/);
    expect(await probe(() => settings('avro', registry.badLoginSecret))).toMatchObject({
      ok: false,
      failed: 'credentials',
      cause: 'the registry wants credentials it did not get or refused',
    });
    expect(await probe(() => settings('avro', registry.loginSecret, registry.wrongCaSecret))).toMatchObject({
      ok: false,
      failed: 'unreachable',
      cause: 'the registry certificate is not trusted',
    });
    registry.server.failWith = 503;
    try {
      expect(await probe(() => settings('avro'))).toMatchObject({ ok: false, failed: 'unreachable' });
    } finally {
      registry.server.failWith = undefined;
    }
  });
});
