/**
 * Avro values framed by the AWS Glue Schema Registry, end to end on real parts: the schemas live in moto's
 * Glue Schema Registry (CreateRegistry, CreateSchema, RegisterSchemaVersion; the decoder calls
 * GetSchemaVersion through the real SDK client), the records are produced into the test bed's broker in
 * the Glue wire format (zlib-compressed and not), and both engines decode them: the fallback poller reads
 * them from the broker (createPoller, as the Lambda wires it), the Pipe path runs the enrichment handler on
 * the Pipe event of the same records. Both write byte-identical canonical records, equal to those of the
 * records' JSON twins; bad records go to the DLQ with their reasons; an unreachable registry fails the
 * batch without a DLQ entry and without a commit.
 */
import {
  CreateRegistryCommand,
  CreateSchemaCommand,
  GlueClient,
  RegisterSchemaVersionCommand,
} from '@aws-sdk/client-glue';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RetriableError } from '../../core/errors.js';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import {
  APIC_AVRO_SCHEMA,
  APIC_AVRO_SCHEMA_TEXT,
  apicAvroBytes,
  glueFramed,
} from '../../devkit/apic-avro.js';
import { type ApicEvent, createApicGenerator } from '../../devkit/apic-generator.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { createEnrichmentHandler } from '../../enrichment/create-handler.js';
import { createRecordFormats } from '../../enrichment/formats/registry.js';
import {
  buildPipeKafkaRecord,
  type CanonicalRecord,
  DEFAULT_RULES,
  type DlqEntry,
  enrichBatch,
  serializeCanonical,
} from '../../enrichment/index.js';
import { createRulesLoader } from '../../enrichment/rules-loader.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import {
  drainPartition,
  kinesisData,
  RULES,
  realPoller,
  SILENT,
  setupPollerResources,
} from './poller-fixture.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
const glue = new GlueClient({ ...aws.config, maxAttempts: 1 });
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);
afterAll(() => {
  aws.destroy();
  glue.destroy();
});

interface Registered {
  readonly registryName: string;
  readonly v1: string;
  readonly v2: string;
  readonly foreign: string;
  readonly otherRegistry: string;
}

/** A registry with the API Connect schema (v1) and an evolved v2, plus a schema in another registry. */
async function registerSchemas(): Promise<Registered> {
  const registryName = uniqueName('apic-registry');
  await glue.send(new CreateRegistryCommand({ RegistryName: registryName }));
  const created = await glue.send(
    new CreateSchemaCommand({
      RegistryId: { RegistryName: registryName },
      SchemaName: 'api-event',
      DataFormat: 'AVRO',
      Compatibility: 'BACKWARD',
      SchemaDefinition: APIC_AVRO_SCHEMA_TEXT,
    }),
  );
  const v2Schema = {
    ...APIC_AVRO_SCHEMA,
    fields: [...APIC_AVRO_SCHEMA.fields, { name: 'custom_data', type: ['null', 'string'], default: null }],
  };
  const v2 = await glue.send(
    new RegisterSchemaVersionCommand({
      SchemaId: { RegistryName: registryName, SchemaName: 'api-event' },
      SchemaDefinition: JSON.stringify(v2Schema),
    }),
  );
  const other = uniqueName('other-registry');
  await glue.send(new CreateRegistryCommand({ RegistryName: other }));
  const foreign = await glue.send(
    new CreateSchemaCommand({
      RegistryId: { RegistryName: other },
      SchemaName: 'api-event',
      DataFormat: 'AVRO',
      Compatibility: 'NONE',
      SchemaDefinition: APIC_AVRO_SCHEMA_TEXT,
    }),
  );
  return {
    registryName,
    v1: created.SchemaVersionId as string,
    v2: v2.SchemaVersionId as string,
    foreign: foreign.SchemaVersionId as string,
    otherRegistry: other,
  };
}

/** What was produced to one partition, in offset order. */
interface Produced {
  readonly value: Buffer;
  readonly offset: string;
  readonly timestamp: string;
  /** The JSON twin of a good record (what its canonical record must equal). */
  readonly twin?: ApicEvent;
}

/** Produces good records (v1 and v2, zlib and not), a JSON record and three bad ones to partition 0. */
async function produce(topic: string, ids: Registered, good: number): Promise<Produced[]> {
  const events = createApicGenerator({ seed: 1313, anomalyRate: 0.2 }).take(good + 1);
  const values: { value: Buffer; twin?: ApicEvent }[] = events.slice(0, good).map((e, i) => ({
    value: glueFramed(i % 3 === 0 ? ids.v2 : ids.v1, apicAvroBytesV(e, i % 3 === 0), i % 2 === 0),
    twin: e,
  }));
  const extra = events[good] as ApicEvent;
  values.push(
    { value: Buffer.from(JSON.stringify(extra)), twin: extra },
    { value: glueFramed('00000000-0000-4000-8000-00000000dead', apicAvroBytes(extra)) },
    { value: glueFramed(ids.v1, apicAvroBytes(extra).subarray(0, 40)) },
    { value: glueFramed(ids.foreign, apicAvroBytes(extra)) },
  );
  const messages = values.map((v, i) => ({
    partition: 0,
    key: `k-${i % 7}`,
    value: v.value,
    timestamp: String(1_735_689_600_000 + i),
  }));
  const offsets = await produceMessages(conns.plaintext, topic, messages);
  const base = BigInt(offsets[0]?.baseOffset ?? '0');
  return values.map((v, i) => ({
    ...v,
    offset: (base + BigInt(i)).toString(),
    timestamp: messages[i]?.timestamp as string,
  }));
}

/** v2 adds an optional `custom_data` (null here), so v1 and v2 records decode to the same event. */
function apicAvroBytesV(event: ApicEvent, v2: boolean): Buffer {
  const bytes = apicAvroBytes(event);
  return v2 ? Buffer.concat([bytes, Buffer.from([0])]) : bytes;
}

function pipeEvent(config: PollerRuntimeConfig, produced: readonly Produced[], json: boolean) {
  return produced.map((p, i) =>
    buildPipeKafkaRecord({
      eventSource: config.eventSource,
      cluster: config.cluster,
      topic: config.topic,
      partition: 0,
      offset: p.offset,
      timestamp: p.timestamp,
      key: Buffer.from(`k-${i % 7}`),
      value: json && p.twin ? Buffer.from(JSON.stringify(p.twin)) : p.value,
    }),
  );
}

function handlerFor(config: PollerRuntimeConfig, endpoint: string, sent: DlqEntry[]) {
  return createRulesLoader({ bundled: DEFAULT_RULES, logger: SILENT }).then((rules) =>
    createEnrichmentHandler({
      sourceName: config.sourceName,
      partitionKey: { type: 'record-key' },
      formats: createRecordFormats(
        config.value ?? { format: 'json' },
        { format: 'text' },
        { aws: { ...aws.config, endpoint, maxAttempts: 1 } },
      ),
      rules,
      dlq: { send: async (entries) => void sent.push(...entries) },
      logger: SILENT,
      metrics: { addDimensions() {}, addMetric() {}, publishStoredMetrics() {} },
    }),
  );
}

const reasonCodes = (entries: readonly { reason: string }[]) =>
  entries.map((e) => e.reason.slice(0, e.reason.indexOf(':')));

describe('Avro values in the Glue Schema Registry (moto) through both engines', () => {
  let ids: Registered;
  beforeAll(async () => {
    ids = await registerSchemas();
  });

  it('both engines give the canonical records of the JSON twins, byte for byte; bad records go to the DLQ', async () => {
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
        format: 'avro',
        registry: { type: 'glue', registryName: ids.registryName, region: bed.moto.region },
        fallback: 'json',
      },
    };
    const produced = await produce(config.topic, ids, 120);
    // Act: the poller reads the broker; the Pipe path enriches the Pipe event of the same records
    const responses = await drainPartition(realPoller(config, aws, { registryAws: aws.config }), 0);
    const sent: DlqEntry[] = [];
    const handler = await handlerFor(config, bed.moto.endpoint, sent);
    const piped = await handler(pipeEvent(config, produced, false));
    // Assert
    const twins = enrichBatch(
      pipeEvent(config, produced, true).filter((_r, i) => produced[i]?.twin),
      { rules: RULES, sourceName: config.sourceName, partitionKey: { type: 'record-key' } },
    );
    expect(twins.records).toHaveLength(121);
    const expected = twins.records.map(serializeCanonical).sort();
    expect(piped.map((r: CanonicalRecord) => serializeCanonical(r)).sort()).toEqual(expected);
    expect(await kinesisData(aws, config.streamName)).toEqual(expected);
    expect(reasonCodes(sent)).toEqual(['unknown-schema', 'schema-decode-error', 'unknown-schema']);
    expect(sent[2]?.reason).toBe(
      `unknown-schema: schema version ${ids.foreign} belongs to registry ${ids.otherRegistry}, not ${ids.registryName}`,
    );
    expect(sent[0]?.value).toBe(produced[121]?.value.toString('base64'));
    const polled = responses.reduce((n, r) => n + r.counts.dlq, 0);
    expect(polled).toBe(3);
    const queue = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: config.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(
      reasonCodes((queue.Messages ?? []).map((m) => JSON.parse(m.Body as string) as DlqEntry)).sort(),
    ).toEqual(['schema-decode-error', 'unknown-schema', 'unknown-schema']);
  });

  it('an unreachable registry fails the batch: the Pipe path throws a RetriableError, the poller commits nothing', async () => {
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
        format: 'avro',
        registry: { type: 'glue', registryName: ids.registryName, region: bed.moto.region },
      },
    };
    const produced = await produce(config.topic, ids, 10);
    const closed = 'http://127.0.0.1:9';
    const sent: DlqEntry[] = [];
    // Act
    const handler = await handlerFor(config, closed, sent);
    const piped = await handler(pipeEvent(config, produced, false)).catch((error: unknown) => error);
    const poll = realPoller(config, aws, {
      registryAws: { ...aws.config, endpoint: closed, maxAttempts: 1 },
    });
    const polled = await poll({ kafka_partition: 0, iteration: 1 }).catch((error: unknown) => error);
    // Assert
    expect(piped).toBeInstanceOf(RetriableError);
    expect(sent).toEqual([]);
    expect(polled).toBeInstanceOf(RetriableError);
    expect(await kinesisData(aws, config.streamName)).toEqual([]);
    const lag = await fetchGroupLag(conns.plaintext, config.groupId, config.topic);
    // No offset past the first record is committed (a new group reports none, or offset 0).
    expect(lag[0]?.committed ?? '0').toBe('0');
    expect(lag[0]?.logEnd).toBe(String(produced.length));
  });
});
