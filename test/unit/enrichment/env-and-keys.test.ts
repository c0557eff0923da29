import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { readEnrichmentEnv, readRulesCacheTtlSeconds } from '../../../enrichment/enrichment-env.js';
import { enrichBatch, parsePartitionKeySpec } from '../../../enrichment/index.js';
import { defaultRules, FIXED_NOW, pipeRecord } from './support.js';

const base = {
  SOURCE_NAME: 'apic-onprem',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/apic-onprem-enrichment-dlq',
  PARTITION_KEY: 'field:api.app_name',
};

describe('readEnrichmentEnv', () => {
  it('reads a minimal environment with defaults', () => {
    expect(readEnrichmentEnv(base)).toEqual({
      sourceName: 'apic-onprem',
      dlqUrl: base.DLQ_URL,
      partitionKey: { type: 'field', path: 'api.app_name' },
      rulesCacheTtlSeconds: 45,
      formats: { value: { format: 'json' }, key: { format: 'text' } },
    });
  });

  it('reads the value and key formats', () => {
    expect(readEnrichmentEnv({ ...base, VALUE_FORMAT: 'json', KEY_FORMAT: 'text' }).formats).toEqual({
      value: { format: 'json' },
      key: { format: 'text' },
    });
  });

  it('reads a registry-framed value format with its registry and fallback', () => {
    const registry = { type: 'glue', registryName: 'apic', region: 'eu-west-1' };
    const env = readEnrichmentEnv({
      ...base,
      VALUE_FORMAT: 'avro',
      VALUE_REGISTRY: JSON.stringify(registry),
      VALUE_FALLBACK: 'json',
    });
    expect(env.formats).toEqual({
      value: { format: 'avro', registry, fallback: 'json' },
      key: { format: 'text' },
    });
  });

  it('reads the AppConfig coordinates and TTL', () => {
    const env = readEnrichmentEnv({
      ...base,
      RULES_APPCONFIG_APPLICATION: 'kafka-pipes',
      RULES_APPCONFIG_ENVIRONMENT: 'prod',
      RULES_APPCONFIG_PROFILE: 'apic-onprem-rules',
      RULES_CACHE_TTL_SECONDS: '120',
    });
    expect(env.appConfig).toEqual({
      application: 'kafka-pipes',
      environment: 'prod',
      profile: 'apic-onprem-rules',
    });
    expect(env.rulesCacheTtlSeconds).toBe(120);
  });

  it.each([
    [
      {},
      [
        'SOURCE_NAME: is not set. Fix: set SOURCE_NAME',
        'DLQ_URL: is not set. Fix: set DLQ_URL',
        'PARTITION_KEY: is not set. Fix: set PARTITION_KEY',
      ],
    ],
    [
      { ...base, PARTITION_KEY: 'random' },
      [
        'PARTITION_KEY: must be record-key, topic-partition or field:<path>, received "random". Fix: fix PARTITION_KEY',
      ],
    ],
    [
      { ...base, RULES_CACHE_TTL_SECONDS: '7200' },
      [
        'RULES_CACHE_TTL_SECONDS: must be a whole number of seconds between 0 and 3600, received "7200". Fix: fix RULES_CACHE_TTL_SECONDS',
      ],
    ],
    [
      { ...base, VALUE_FORMAT: 'xml', KEY_FORMAT: 'bytes' },
      [
        'VALUE_FORMAT: must be one of json, avro, protobuf, json-schema, received "xml". Fix: fix VALUE_FORMAT',
        'KEY_FORMAT: must be one of text, avro, protobuf, json-schema, received "bytes". Fix: fix KEY_FORMAT',
      ],
    ],
    [
      { ...base, VALUE_FORMAT: 'avro' },
      [
        'VALUE_REGISTRY: is not set, but VALUE_FORMAT=avro reads registry-framed records. Fix: set VALUE_REGISTRY to the registry block as JSON',
      ],
    ],
    [
      { ...base, VALUE_FORMAT: 'avro', VALUE_REGISTRY: '{"type":"glue"}', VALUE_FALLBACK: 'xml' },
      [
        `VALUE_REGISTRY: must be a registry block as JSON (the source file's block, as the construct writes it), received "{\\"type\\":\\"glue\\"}". Fix: fix VALUE_REGISTRY`,
        'VALUE_FALLBACK: must be json, dlq, or a registry block as JSON, received "xml". Fix: fix VALUE_FALLBACK',
      ],
    ],
    [
      { ...base, VALUE_FALLBACK: 'json' },
      [
        'VALUE_FALLBACK: is set, but VALUE_FORMAT=(default) reads no registry. Fix: remove it, or set VALUE_FORMAT to a schema format',
      ],
    ],
    [
      { ...base, DLQ_URL: 'queue' },
      ['DLQ_URL: must be the enrichment DLQ queue URL, received "queue". Fix: fix DLQ_URL'],
    ],
    [
      { ...base, RULES_APPCONFIG_APPLICATION: 'a' },
      [
        'RULES_APPCONFIG_ENVIRONMENT,RULES_APPCONFIG_PROFILE: is not set, but the other RULES_APPCONFIG_* variables are. Fix: set all three RULES_APPCONFIG_* variables or none',
      ],
    ],
  ])('rejects %j', (env, lines) => {
    let thrown: unknown;
    try {
      readEnrichmentEnv(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(
      `Invalid enrichment environment:\n${lines.map((l) => `<env>: ${l}`).join('\n')}`,
    );
  });
});

describe('readRulesCacheTtlSeconds (read by both Lambda handlers)', () => {
  it.each([
    [{}, 45],
    [{ RULES_CACHE_TTL_SECONDS: '0' }, 0],
    [{ RULES_CACHE_TTL_SECONDS: '3600' }, 3600],
  ])('%j → %i', (env, expected) => {
    expect(readRulesCacheTtlSeconds(env)).toBe(expected);
  });

  it.each(['7200', '-1', '1.5', 'soon'])('rejects %s naming the variable and the fix', (value) => {
    let thrown: unknown;
    try {
      readRulesCacheTtlSeconds({ RULES_CACHE_TTL_SECONDS: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(
      `Invalid environment:\n<env>: RULES_CACHE_TTL_SECONDS: must be a whole number of seconds between 0 and 3600, received ${JSON.stringify(value)}. Fix: fix RULES_CACHE_TTL_SECONDS`,
    );
  });
});

describe('partition keys', () => {
  it.each([
    ['record-key', { type: 'record-key' }],
    ['topic-partition', { type: 'topic-partition' }],
    ['field:api.app_name', { type: 'field', path: 'api.app_name' }],
    ['field:', null],
    ['key', null],
  ])('parsePartitionKeySpec(%s)', (text, expected) => {
    expect(parsePartitionKeySpec(text)).toEqual(expected);
  });

  const event = { app_name: 'APP1', api_name: 'a' };
  it.each([
    ['record-key', 'the key', 'the key'],
    ['record-key', null, 'apic-events-3'],
    ['record-key', '', 'apic-events-3'],
    ['topic-partition', 'k', 'apic-events-3'],
    ['field:api.app_name', 'k', 'APP1'],
    ['field:api.missing', 'k', 'apic-events-3'],
    ['field:api', 'k', '{"app_name":"APP1","api_name":"a"}'],
    ['record-key', 'x'.repeat(256), 'x'.repeat(256)],
    ['record-key', 'x'.repeat(257), createHash('sha256').update('x'.repeat(257)).digest('hex')],
  ])('%s with key %j → %s', (spec, key, expected) => {
    // Arrange
    const partitionKey = parsePartitionKeySpec(spec);
    if (partitionKey === null) throw new Error(spec);

    // Act
    const out = enrichBatch([pipeRecord(event, { partition: 3, key })], {
      rules: defaultRules,
      sourceName: 's',
      partitionKey,
      now: FIXED_NOW,
    });

    // Assert
    expect(out.records[0]?.partitionKey).toBe(expected);
  });
});
