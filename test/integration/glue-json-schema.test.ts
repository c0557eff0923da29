/**
 * JSON Schema values framed by the AWS Glue Schema Registry, end to end on real parts: the schema lives in
 * moto's Glue Schema Registry (DataFormat JSON: CreateRegistry, CreateSchema; the decoder calls
 * GetSchemaVersion through the real SDK client), the records are produced into the test bed's broker in
 * the Glue wire format (zlib-compressed and not), and both engines decode them: the fallback poller reads
 * them from the broker (createPoller, as the Lambda wires it), the Pipe path runs the enrichment handler
 * on the Pipe event of the same records. Both write byte-identical canonical records, equal to those of
 * the records' JSON twins; values the schema refuses go to the DLQ with the failing location.
 */
import { CreateRegistryCommand, CreateSchemaCommand, GlueClient } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { glueFramed } from '../../devkit/apic-avro.js';
import { type ApicEvent, createApicGenerator } from '../../devkit/apic-generator.js';
import { APIC_JSON_SCHEMA_TEXT, apicJsonBytes } from '../../devkit/apic-json-schema.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections, uniqueName } from '../../devkit/testbed/kafka.js';
import {
  type CanonicalRecord,
  type DlqEntry,
  enrichBatch,
  serializeCanonical,
} from '../../enrichment/index.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import { drainPartition, kinesisData, RULES, realPoller, setupPollerResources } from './poller-fixture.js';
import {
  formatHandler,
  type ProducedValue,
  pipeEventOf,
  produceValues,
  type TwinnedValue,
} from './registry-fixture.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
const glue = new GlueClient({ ...aws.config, maxAttempts: 1 });
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);
afterAll(() => {
  aws.destroy();
  glue.destroy();
});

/** A registry holding the API Connect JSON Schema; returns the registry name and the version id. */
async function registerSchema(): Promise<{ registryName: string; versionId: string }> {
  const registryName = uniqueName('apic-json-registry');
  await glue.send(new CreateRegistryCommand({ RegistryName: registryName }));
  const created = await glue.send(
    new CreateSchemaCommand({
      RegistryId: { RegistryName: registryName },
      SchemaName: 'api-event-json',
      DataFormat: 'JSON',
      Compatibility: 'BACKWARD',
      SchemaDefinition: APIC_JSON_SCHEMA_TEXT,
    }),
  );
  return { registryName, versionId: created.SchemaVersionId as string };
}

/** Good records (zlib and not), one plain JSON record (fallback json), and two the schema refuses. */
async function produce(topic: string, versionId: string, good: number): Promise<ProducedValue[]> {
  const events = createApicGenerator({ seed: 1414, anomalyRate: 0.2 }).take(good + 1);
  const values: TwinnedValue[] = events.slice(0, good).map((e, i) => ({
    value: glueFramed(versionId, apicJsonBytes(e), i % 2 === 0),
    twin: e,
  }));
  const extra = events[good] as ApicEvent;
  const { api_name: _dropped, ...missing } = extra;
  values.push(
    { value: Buffer.from(JSON.stringify(extra)), twin: extra },
    { value: glueFramed(versionId, Buffer.from(JSON.stringify({ ...extra, bytes_sent: 'many' }))) },
    { value: glueFramed(versionId, Buffer.from(JSON.stringify(missing)), true) },
  );
  return produceValues(conns.plaintext, topic, values);
}

describe('JSON Schema values in the Glue Schema Registry (moto) through both engines', () => {
  let registered: { registryName: string; versionId: string };
  beforeAll(async () => {
    registered = await registerSchema();
  });

  it('both engines give the canonical records of the JSON twins; values the schema refuses go to the DLQ', async () => {
    // Arrange
    const base = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      1,
    );
    const config: PollerRuntimeConfig & { readonly streamName: string } = {
      ...base,
      value: {
        format: 'json-schema',
        registry: { type: 'glue', registryName: registered.registryName, region: bed.moto.region },
        fallback: 'json',
      },
    };
    const produced = await produce(config.topic, registered.versionId, 60);
    // Act: the poller reads the broker; the Pipe path enriches the Pipe event of the same records
    const responses = await drainPartition(realPoller(config, aws, { registryAws: aws.config }), 0);
    const sent: DlqEntry[] = [];
    const handler = await formatHandler(
      config,
      config.value ?? { format: 'json' },
      { aws: { ...aws.config, maxAttempts: 1 } },
      sent,
    );
    const piped = await handler(pipeEventOf(config, produced, false));
    // Assert
    const twins = enrichBatch(pipeEventOf(config, produced, true), {
      rules: RULES,
      sourceName: config.sourceName,
      partitionKey: { type: 'record-key' },
    });
    expect(twins.records).toHaveLength(61);
    const expected = twins.records.map(serializeCanonical).sort();
    expect(piped.map((r: CanonicalRecord) => serializeCanonical(r)).sort()).toEqual(expected);
    expect(await kinesisData(aws, config.streamName)).toEqual(expected);
    const prefix = `schema-decode-error: the json-schema payload does not decode with glue schema ${registered.versionId}: the value does not match the schema: `;
    expect(sent.map((e) => e.reason)).toEqual([
      `${prefix}/bytes_sent: must be integer`,
      `${prefix}(the value): must have required property 'api_name'`,
    ]);
    expect(sent[1]?.value).toBe(produced[62]?.value.toString('base64'));
    expect(responses.reduce((n, r) => n + r.counts.dlq, 0)).toBe(2);
  });
});
