/**
 * The CLI on Avro values framed by the AWS Glue Schema Registry, on real parts: moto's Glue registries
 * (CreateRegistry, CreateSchema; the CLI calls GetRegistry and GetSchemaVersion through the real SDK
 * client), the test bed's broker, moto's SQS and Kinesis.
 *
 * - `check`: the registry step passes on the configured registry, fails naming the cause and the fix for a
 *   registry that does not exist, and is skipped with its reason for a JSON source.
 * - `dlq inspect` / `dlq replay`: records produced into the broker with the schema version of ANOTHER
 *   registry (the producers' registry was not the one the source names) reach the DLQ as
 *   `unknown-schema` with their raw bytes; inspect counts them by schema id and decodes them with the
 *   source's format; after the fix (the source names the producers' registry) replay decodes them again
 *   and delivers canonical records equal to those of the records' JSON twins, with their eventIds. A
 *   payload that does not decode stays in the DLQ (requeued with its reason).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateRegistryCommand, CreateSchemaCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckReport, CheckStep } from '../../cli/check/engine.js';
import type { DlqSummary } from '../../cli/dlq/messages.js';
import type { ReplaySummary } from '../../cli/dlq/replay.js';
import type { SchemaView } from '../../cli/dlq/schema-view.js';
import type { CliAwsClients } from '../../cli/shared/aws.js';
import { consumeMessages } from '../../core/kafka/group-member.js';
import { APIC_AVRO_SCHEMA_TEXT, apicAvroBytes, glueFramed } from '../../devkit/apic-avro.js';
import { createApicGenerator } from '../../devkit/apic-generator.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';
import { createRecordFormats } from '../../enrichment/formats/registry.js';
import {
  buildPipeKafkaRecord,
  compileRules,
  createSqsDlqSink,
  DEFAULT_RULES,
  type DlqEntry,
  decodeKafkaEvent,
  enrichBatch,
  type KafkaEventRecord,
  prepareFormats,
} from '../../enrichment/index.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
const name = uniqueName('avro-cli').toLowerCase();
const topic = uniqueName('cli-avro');
const registries = { source: uniqueName('apic-configured'), producers: uniqueName('apic-producers') };
const GOOD = 4;

let aws: AwsClients;
let cliAws: CliAwsClients;
let glue: GlueClient;
let dir: string;
let queueUrl: string;
let entries: DlqEntry[];
let records: KafkaEventRecord[];
let twins: KafkaEventRecord[];

function sourceYaml(registryName: string, extra = ''): string {
  return (
    `name: ${name}\nkind: self-managed\nbrokers: [${bed.kafka.plaintext}]\ntopic: ${topic}\n` +
    `value:\n  format: avro\n  registry: {type: glue, registryName: ${registryName}}\n${extra}` +
    'target:\n  type: kinesis\n  partitionKey: record-key\n'
  );
}

async function createRegistry(registryName: string): Promise<string> {
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
  return created.SchemaVersionId as string;
}

/** Records framed with the producers' schema version, read back from the broker as the Pipe reads them. */
async function produceFramed(producersVersion: string): Promise<KafkaEventRecord[]> {
  const conn = kafkaConnections(bed).plaintext;
  await createTopic(conn, topic, 1);
  const events = createApicGenerator({ seed: 'cli-avro' }).take(GOOD);
  const good = events.map((e, i) => ({
    key: e.transaction_id,
    value: glueFramed(producersVersion, apicAvroBytes(e), i % 2 === 1),
  }));
  // A payload cut short: framed by the producers' registry, but its Avro does not decode.
  const cut = apicAvroBytes(events[0] as (typeof events)[number]);
  const bad = { key: 'cut', value: glueFramed(producersVersion, cut.subarray(0, 20)) };
  await produceMessages(conn, topic, [...good, bad]);
  twins = events.map((e, i) =>
    buildPipeKafkaRecord({
      eventSource: 'SelfManagedKafka',
      cluster: bed.kafka.plaintext,
      topic,
      partition: 0,
      offset: String(i),
      timestamp: 0,
      key: Buffer.from(e.transaction_id),
      value: Buffer.from(JSON.stringify(e)),
    }),
  );
  const consumed = await consumeMessages(conn, topic, { count: GOOD + 1, timeoutMs: 30_000 });
  return consumed.map((m) =>
    buildPipeKafkaRecord({
      eventSource: 'SelfManagedKafka',
      cluster: bed.kafka.plaintext,
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      timestamp: m.timestamp,
      key: m.key,
      value: m.value,
      headers: m.headers,
    }),
  );
}

beforeAll(async () => {
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
  cliAws = { ...aws, lambda: new LambdaClient(aws.config) };
  glue = new GlueClient(aws.config);
  await createRegistry(registries.source);
  const producersVersion = await createRegistry(registries.producers);
  dir = sourcesDir({
    [`${name}.yaml`]: sourceYaml(registries.source),
    'missing.yaml': sourceYaml('no-such-registry').replace(`name: ${name}`, 'name: missing'),
    'plain.yaml': `name: plain\nkind: self-managed\nbrokers: [${bed.kafka.plaintext}]\ntopic: ${topic}\ntarget:\n  type: kinesis\n`,
  });
  const q = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: `KafkaPipes-test-${name}EnrichmentDlq9Z8Y7X`,
      tags: { 'kafka-pipes:source': name },
    }),
  );
  queueUrl = q.QueueUrl as string;
  await aws.kinesis.send(new CreateStreamCommand({ StreamName: `${name}-events-test`, ShardCount: 1 }));
  records = await produceFramed(producersVersion);
  // The enrichment of the source as deployed (configured registry): every record goes to the DLQ.
  const formats = createRecordFormats(
    { format: 'avro', registry: { type: 'glue', registryName: registries.source } },
    { format: 'text' },
    { aws: aws.config },
  );
  const ctx = {
    rules: compileRules(DEFAULT_RULES),
    sourceName: name,
    partitionKey: { type: 'record-key' as const },
    formats,
  };
  await prepareFormats(decodeKafkaEvent(records), ctx);
  entries = enrichBatch(records, ctx).dlq;
  await createSqsDlqSink(aws.sqs, queueUrl).send(entries);
});

afterAll(() => {
  aws.destroy();
  cliAws.lambda.destroy();
  glue.destroy();
});

async function check(source: string): Promise<{ code: number; step: CheckStep[] }> {
  const run = await cli(['--json', '--sources-dir', dir, 'check', source, '--timeout', '5000'], {
    aws: cliAws,
  });
  return { code: run.code, step: run.json<CheckReport>().steps.filter((s) => s.step === 'registry') };
}

describe('kafka-pipes check: the schema registry step (moto Glue)', () => {
  it('passes on the configured registry', async () => {
    const { code, step } = await check(name);
    expect(code).toBe(0);
    expect(step).toEqual([
      expect.objectContaining({
        target: 'value.registry',
        status: 'pass',
        message: expect.stringMatching(new RegExp(`^Glue registry ${registries.source} exists in `)),
      }),
    ]);
  });

  it('fails on a registry that does not exist, naming the cause and the fix', async () => {
    const { code, step } = await check('missing');
    expect(code).toBe(1);
    expect(step).toEqual([
      expect.objectContaining({
        target: 'value.registry',
        status: 'fail',
        message: expect.stringContaining(
          'glue registry (value.registry): Glue GetRegistry no-such-registry: ',
        ),
        cause: 'no Glue registry named no-such-registry in this account and Region',
        fix: `${join(dir, 'missing.yaml')}: value.registry: set registryName (and region) to the registry the producers register their schemas in`,
        details: { failed: 'missing' },
      }),
    ]);
  });

  it('is absent for a source without a registry, so nothing is reported skipped', async () => {
    const { code, step } = await check('plain');
    expect(code).toBe(0);
    expect(step).toEqual([]);
  });
});

describe('kafka-pipes dlq on Glue-framed Avro values (moto Glue, SQS, Kinesis)', () => {
  it('the deployed enrichment sent every record to the DLQ with its reason and raw bytes', () => {
    expect(entries.map((e) => e.reason.split(':')[0])).toEqual(Array(GOOD + 1).fill('unknown-schema'));
    expect(entries.map((e) => e.value)).toEqual(records.map((r) => r.value));
  });

  it('inspect counts them by schema id and decodes them with the source format as it is now', async () => {
    const run = await cli(['--json', '--sources-dir', dir, 'dlq', 'inspect', name], { aws: cliAws });
    expect(run.code).toBe(0);
    const schemas = run.json<DlqSummary & { schemas: SchemaView }>().schemas;
    expect(Object.values(schemas.bySchema)).toEqual([GOOD + 1]);
    expect(Object.keys(schemas.bySchema)[0]).toMatch(/^glue schema [0-9a-f-]{36}$/);
    expect(schemas.now).toEqual({ decodes: 0, failing: { 'unknown-schema': GOOD + 1 } });
  });

  it('after the fix, replay decodes and delivers them as their JSON twins, and requeues the bad payload', async () => {
    // Arrange: the fix — the source names the registry the producers use.
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(registries.source, registries.producers));
    const inspect = await cli(['--json', '--sources-dir', dir, 'dlq', 'inspect', name], { aws: cliAws });
    expect(inspect.json<{ schemas: SchemaView }>().schemas.now).toEqual({
      decodes: GOOD,
      failing: { 'schema-decode-error': 1 },
    });
    // Act
    const run = await cli(['--json', '--sources-dir', dir, 'dlq', 'replay', name, '--env', 'test'], {
      aws: cliAws,
    });
    // Assert
    expect(run.json<ReplaySummary>()).toMatchObject({
      messages: GOOD + 1,
      outcomes: { delivered: GOOD, requeued: 1 },
      recordsDelivered: GOOD,
    });
    const written = (await readAllRecords(aws.kinesis, `${name}-events-test`)).map((r) =>
      JSON.parse(r.data.toString('utf8')),
    );
    const expected = enrichBatch(twins, {
      rules: compileRules(DEFAULT_RULES),
      sourceName: name,
      partitionKey: { type: 'record-key' },
    }).records;
    expect(written.map((r) => r.eventId).sort()).toEqual(
      entries
        .slice(0, GOOD)
        .map((e) => e.eventId)
        .sort(),
    );
    const byOffset = (r: { kafka: { offset: string } }) => r.kafka.offset;
    expect(written.map((r) => [byOffset(r), r.api]).sort()).toEqual(
      expected.map((r) => [byOffset(r), r.api]).sort(),
    );
    const left = await cli(['--json', 'dlq', 'inspect', queueUrl], { aws: cliAws });
    expect(left.json<DlqSummary>().byReason).toEqual({ 'schema-decode-error': 1 });
  });

  it('by queue URL without the source, skips entries only its format can decode', async () => {
    const rules = join(dir, 'default.rules.yaml');
    writeFileSync(rules, readFileSync('enrichment/rules/default.rules.yaml', 'utf8'));
    const run = await cli(
      ['--json', 'dlq', 'replay', queueUrl, '--rules', rules, '--stream', 'x', '--dry-run'],
      {
        aws: cliAws,
      },
    );
    expect(run.json<ReplaySummary>()).toMatchObject({ outcomes: { skipped: 1 } });
    expect(run.json<ReplaySummary>().problems[0]?.detail).toBe(
      "schema-decode-error: the value is decoded with the source's schema registry; pass the source name instead of the queue URL (or --source <name>)",
    );
  });
});
