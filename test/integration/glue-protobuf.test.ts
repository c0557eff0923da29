/**
 * Protobuf values framed by the AWS Glue Schema Registry, end to end on real parts: the `.proto` schema
 * lives in moto's Glue Schema Registry (DataFormat PROTOBUF: CreateRegistry, CreateSchema; the decoder
 * calls GetSchemaVersion through the real SDK client), the records are produced into the test bed's broker
 * in the Glue wire format (zlib-compressed and not) with the Glue serializers' message index before the
 * message, and both engines decode them: the fallback poller reads them from the broker (createPoller, as
 * the Lambda wires it), the Pipe path runs the enrichment handler on the Pipe event of the same records.
 * Both write byte-identical canonical records, equal to those of the records' JSON twins; bad records go
 * to the DLQ with their reasons.
 */
import { CreateRegistryCommand, CreateSchemaCommand, GlueClient } from '@aws-sdk/client-glue';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { glueFramed } from '../../devkit/apic-avro.js';
import { createApicGenerator } from '../../devkit/apic-generator.js';
import { APIC_PROTO_TEXT, apicProtoBytes, glueMessageIndex } from '../../devkit/apic-protobuf.js';
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
  pipeEventOf,
  produceValues,
  reasonCodes,
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

/** Glue's index of ApiEvent: its messages sorted by full name are ApiEvent, ApiEvent.RateLimitEntry, Latency, RateLimit. */
const API_EVENT_INDEX = 0;

describe('Protobuf values in the Glue Schema Registry (moto) through both engines', () => {
  it('both engines give the canonical records of the JSON twins, byte for byte; bad records go to the DLQ', async () => {
    // Arrange
    const registryName = uniqueName('apic-proto-registry');
    await glue.send(new CreateRegistryCommand({ RegistryName: registryName }));
    const created = await glue.send(
      new CreateSchemaCommand({
        RegistryId: { RegistryName: registryName },
        SchemaName: 'api-event-proto',
        DataFormat: 'PROTOBUF',
        Compatibility: 'BACKWARD',
        SchemaDefinition: APIC_PROTO_TEXT,
      }),
    );
    const id = created.SchemaVersionId as string;
    const base = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      1,
    );
    const value = {
      format: 'protobuf' as const,
      registry: { type: 'glue' as const, registryName, region: bed.moto.region },
      fallback: 'json' as const,
    };
    const config = { ...base, value } as PollerRuntimeConfig & { readonly streamName: string };
    const events = createApicGenerator({ seed: 1414, anomalyRate: 0.2 }).take(41);
    const framed = (e: (typeof events)[number], zlib: boolean) =>
      glueFramed(id, Buffer.concat([glueMessageIndex(API_EVENT_INDEX), apicProtoBytes(e)]), zlib);
    const extra = events[40] as (typeof events)[number];
    const values: TwinnedValue[] = [
      ...events.slice(0, 40).map((e, i) => ({ value: framed(e, i % 2 === 0), twin: e })),
      { value: Buffer.from(JSON.stringify(extra)), twin: extra },
      { value: glueFramed('00000000-0000-4000-8000-00000000beef', apicProtoBytes(extra)) },
      { value: framed(extra, false).subarray(0, 40) },
      { value: glueFramed(id, Buffer.concat([glueMessageIndex(9), apicProtoBytes(extra)])) },
    ];
    const produced = await produceValues(conns.plaintext, config.topic, values);
    // Act
    const responses = await drainPartition(realPoller(config, aws, { registryAws: aws.config }), 0);
    const sent: DlqEntry[] = [];
    const handler = await formatHandler(config, value, { aws: { ...aws.config, maxAttempts: 1 } }, sent);
    const piped = await handler(pipeEventOf(config, produced, false));
    // Assert
    const twins = enrichBatch(pipeEventOf(config, produced, true), {
      rules: RULES,
      sourceName: config.sourceName,
      partitionKey: { type: 'record-key' },
    });
    expect(twins.records).toHaveLength(41);
    const expected = twins.records.map(serializeCanonical).sort();
    expect(piped.map((r: CanonicalRecord) => serializeCanonical(r)).sort()).toEqual(expected);
    expect(await kinesisData(aws, config.streamName)).toEqual(expected);
    expect(reasonCodes(sent)).toEqual(['unknown-schema', 'schema-decode-error', 'schema-decode-error']);
    expect(sent[2]?.reason).toBe(
      `schema-decode-error: the protobuf payload does not decode with glue schema ${id}: message index 9: the schema has 4 messages`,
    );
    expect(responses.reduce((n, r) => n + r.counts.dlq, 0)).toBe(3);
  });
});
