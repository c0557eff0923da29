/**
 * JSON Schema values framed by a Confluent-API schema registry, end to end on real parts except the
 * registry server, which is the stand-in of test/harness/confluent-registry.ts (it says how and why): the
 * records are written by Confluent's own JsonSerializer (`@confluentinc/schemaregistry`, validating against
 * the schema it registered in the library's MockClient), produced into the test bed's broker, and decoded
 * by both engines through the registry API served over HTTPS (TLS verified against the test bed's root CA,
 * basic auth, both read from moto's Secrets Manager). The poller reads the broker; the Pipe path runs the
 * enrichment handler on the Pipe event of the same records. Both write byte-identical canonical records,
 * equal to those of the JSON twins; values the schema refuses (written without the serializer's
 * validation) go to the DLQ with the failing location.
 */
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { JsonSerializer, MockClient, SerdeType } from '@confluentinc/schemaregistry';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApicEvent, createApicGenerator } from '../../devkit/apic-generator.js';
import { APIC_JSON_SCHEMA_TEXT } from '../../devkit/apic-json-schema.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections, uniqueName } from '../../devkit/testbed/kafka.js';
import type { FormatSettings, ValueFormatName } from '../../enrichment/formats/registry.js';
import {
  type CanonicalRecord,
  type DlqEntry,
  enrichBatch,
  serializeCanonical,
} from '../../enrichment/index.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { type StandInRegistry, serveRegistry } from '../harness/confluent-registry.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import { drainPartition, kinesisData, RULES, realPoller, setupPollerResources } from './poller-fixture.js';
import { formatHandler, pipeEventOf, produceValues, type TwinnedValue } from './registry-fixture.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);
const LOGIN = { username: 'json-decoder', password: 'p4ss-w0rd' };

async function secret(name: string, value: object): Promise<string> {
  const out = await aws.secretsManager.send(
    new CreateSecretCommand({ Name: uniqueName(name), SecretString: JSON.stringify(value) }),
  );
  return out.ARN as string;
}
const secretString = async (arn: string) =>
  (await aws.secretsManager.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString as string;

let client: MockClient;
let server: StandInRegistry;
let value: FormatSettings<ValueFormatName>;
beforeAll(async () => {
  client = new MockClient({ baseURLs: ['mock://stand-in'] });
  server = await serveRegistry(client, { cert: bed.pki.brokerCertChain, key: bed.pki.brokerKey }, LOGIN);
  value = {
    format: 'json-schema',
    registry: {
      type: 'confluent',
      url: server.url,
      auth: { type: 'basic', secret: await secret('json-registry-login', LOGIN) },
      rootCaSecret: await secret('json-registry-ca', { certificate: bed.pki.rootCa }),
    },
    fallback: 'json',
  };
});
afterAll(async () => {
  await server?.close();
  aws.destroy();
});

/** Good events written by the validating JsonSerializer, then two the schema refuses, then plain JSON. */
async function values(topic: string, events: readonly ApicEvent[]) {
  await client.register(`${topic}-value`, { schemaType: 'JSON', schema: APIC_JSON_SCHEMA_TEXT });
  // The serializer hands its configuration to Ajv: formats there are annotations too (no ajv-formats).
  const validating = new JsonSerializer(client, SerdeType.VALUE, {
    useLatestVersion: true,
    validate: true,
    ...{ validateFormats: false, logger: false },
  });
  const plain = new JsonSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
  const out: TwinnedValue[] = [];
  for (const e of events.slice(0, -1)) out.push({ value: await validating.serialize(topic, e), twin: e });
  const last = events[events.length - 1] as ApicEvent;
  const { api_name: _dropped, ...missing } = last;
  out.push(
    { value: await plain.serialize(topic, { ...last, bytes_sent: 'many' }) },
    { value: await plain.serialize(topic, missing) },
    { value: Buffer.from(JSON.stringify(last)), twin: last },
  );
  return out;
}

describe('JSON Schema values through the Confluent registry API (stand-in server) and both engines', () => {
  it('both engines give the canonical records of the JSON twins; values the schema refuses go to the DLQ', async () => {
    // Arrange
    const base = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      1,
    );
    const config = { ...base, value } as PollerRuntimeConfig & { readonly streamName: string };
    const written = await values(
      config.topic,
      createApicGenerator({ seed: 1303, anomalyRate: 0.2 }).take(21),
    );
    const produced = await produceValues(conns.plaintext, config.topic, written);
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
    expect(twins.records).toHaveLength(21);
    const expected = twins.records.map(serializeCanonical).sort();
    expect(piped.map((r: CanonicalRecord) => serializeCanonical(r)).sort()).toEqual(expected);
    expect(await kinesisData(aws, config.streamName)).toEqual(expected);
    expect(sent.map((e) => e.reason)).toEqual([
      expect.stringMatching(
        /^schema-decode-error: .* confluent schema \d+: the value does not match the schema: \/bytes_sent: must be integer$/,
      ),
      expect.stringMatching(
        /: the value does not match the schema: \(the value\): must have required property 'api_name'$/,
      ),
    ]);
    expect(responses.reduce((n, r) => n + r.counts.dlq, 0)).toBe(2);
    // One schema, fetched once per engine.
    expect(server.requests.filter((p) => p.startsWith('/schemas/ids/'))).toHaveLength(2);
  });
});
