import {
  CreateRegistryCommand,
  CreateSchemaCommand,
  GetSchemaVersionCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { APIC_AVRO_SCHEMA_TEXT } from '../../../devkit/apic-avro.js';
import { planLocalRun } from '../../../devkit/local/plan.js';
import { createRecordSource } from '../../../devkit/local/records.js';
import {
  JSON_FALLBACK_EVERY,
  provisionRegistryValues,
  registryTopics,
  type ValueEncoder,
} from '../../../devkit/local/registry-values.js';
import { createRecordFormats } from '../../../enrichment/formats/registry.js';
import { loadSources } from '../../../pipes/load-sources.js';
import { recordFormatsOf } from '../../../pipes/record-formats.js';
import type { SourceConfig } from '../../../pipes/source-schema.js';

const SCHEMA_VERSION = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const catalogue = loadSources();
const avroSource = catalogue.find((s) => s.name === 'msk-apic-avro') as SourceConfig;

/** The encoder of registry-values.ts, provisioned against a mocked Glue (the moto run is local-start's). */
async function encoder(): Promise<ValueEncoder> {
  const glue = mockClient(GlueClient);
  glue
    .on(CreateRegistryCommand)
    .resolves({})
    .on(CreateSchemaCommand)
    .resolves({ SchemaVersionId: SCHEMA_VERSION });
  try {
    const encoders = await provisionRegistryValues(planLocalRun([avroSource]), {}, () => undefined);
    expect(glue.commandCalls(CreateSchemaCommand)[0]?.args[0].input).toMatchObject({
      RegistryId: { RegistryName: 'apic-events' },
      DataFormat: 'AVRO',
      SchemaDefinition: APIC_AVRO_SCHEMA_TEXT,
    });
    return encoders.get(avroSource.topic) as ValueEncoder;
  } finally {
    glue.restore();
  }
}

describe('local registry values', () => {
  it('writes Glue-framed Avro (zlib on odd positions) and every tenth event as JSON, all decoded by the source format', async () => {
    // Arrange
    const enc = await encoder();
    const settings = recordFormatsOf(avroSource);
    const formats = createRecordFormats(settings.value, settings.key);
    const src = createRecordSource({ seed: 's', topic: avroSource.topic, poisonShare: 0.05, encoder: enc });
    const records = Array.from({ length: 60 }, () => src.next());
    // Act
    const glue = mockClient(GlueClient);
    glue.on(GetSchemaVersionCommand, { SchemaVersionId: SCHEMA_VERSION }).resolves({
      SchemaDefinition: APIC_AVRO_SCHEMA_TEXT,
      DataFormat: 'AVRO',
      Status: 'AVAILABLE',
      SchemaArn: 'arn:aws:glue:us-east-1:123456789012:schema/apic-events/apic-api-event',
    });
    try {
      await formats.value.prepare?.(records.map((r) => r.value));
    } finally {
      glue.restore();
    }
    const decoded = records.map((r) => formats.value.decode(r.value));
    // Assert
    const apic = records.filter((r) => r.kind === 'apic' || r.kind === 'apic-anomaly');
    expect(apic.length).toBeGreaterThan(50);
    for (const r of apic) {
      const fallback = r.seq % JSON_FALLBACK_EVERY === JSON_FALLBACK_EVERY - 1;
      expect({ seq: r.seq, first: r.value[0], zlib: r.value[1], type: r.headers['content-type'] }).toEqual({
        seq: r.seq,
        first: fallback ? '{'.charCodeAt(0) : 3,
        zlib: fallback ? r.value[1] : r.seq % 2 === 1 ? 5 : 0,
        type: fallback ? 'application/json' : 'application/vnd.apache.avro+binary',
      });
    }
    records.forEach((r, i) => {
      const d = decoded[i];
      // Poison is not framed: the JSON fallback reads it (wrong-type JSON decodes; normalizing refuses it).
      const ok = r.kind !== 'poison-not-json' && r.kind !== 'poison-not-utf8';
      expect({ seq: r.seq, kind: r.kind, ok: d?.ok }).toEqual({ seq: r.seq, kind: r.kind, ok });
    });
  });

  it('refuses sources of one topic that read different value formats, and formats it cannot produce', () => {
    // Arrange
    const json = { ...avroSource, name: 'json-twin', value: { format: 'json' as const } };
    const confluent = {
      ...avroSource,
      name: 'confluent-twin',
      topic: 'other',
      value: { format: 'avro' as const, registry: { type: 'confluent' as const, url: 'https://r.example' } },
    };
    // Act / Assert
    expect(() => registryTopics(planLocalRun([avroSource, json]))).toThrow(
      'sources msk-apic-avro and json-twin read topic apic.api-events.avro with different value formats',
    );
    expect(() => registryTopics(planLocalRun([confluent]))).toThrow(
      'source confluent-twin: the local run produces Avro values framed by the Glue Schema Registry only',
    );
    expect([...registryTopics(planLocalRun(catalogue)).entries()]).toEqual([
      ['apic.api-events.avro', { registryName: 'apic-events' }],
    ]);
  });
});
