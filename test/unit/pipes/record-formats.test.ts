/**
 * The `value` / `key` blocks of a source file (pipes/source-schema.ts, pipes/format-rules.ts) and what they
 * ask of the decoding function (pipes/record-formats.ts): its environment, its grants, its bundle.
 */
import { describe, expect, it } from 'vitest';
import { validateSourceTexts } from '../../../pipes/load-sources.js';
import {
  recordFormatsEnv,
  recordFormatsGrants,
  unusedFormatPackages,
} from '../../../pipes/record-formats.js';

const FILE = 'pipes/sources/avro.yaml';
const BASE = `name: avro
kind: self-managed
brokers: [b:9092]
topic: apic-events
target: { type: kinesis }
`;
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry/basic-AbCdEf';
const CA = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry/ca-GhIjKl';
const context = { partition: 'aws', account: '123456789012', region: 'eu-west-1' };

function validate(extra: string) {
  return validateSourceTexts([{ file: FILE, text: BASE + extra }]);
}

describe('value and key blocks', () => {
  it('accept an Avro value in Glue with a Confluent fallback, and give the enrichment its settings', () => {
    const result = validate(`value:
  format: avro
  registry: { type: glue, registryName: apic-events, region: eu-west-1 }
  fallback: { type: confluent, url: "https://registry.example.com:8081", auth: { type: basic, secret: "${SECRET}" }, rootCaSecret: "${CA}" }
`);
    expect(result.issues).toEqual([]);
    const source = result.sources[0]?.source;
    expect(source && recordFormatsEnv(source)).toEqual({
      VALUE_FORMAT: 'avro',
      VALUE_REGISTRY: '{"type":"glue","registryName":"apic-events","region":"eu-west-1"}',
      VALUE_FALLBACK: `{"type":"confluent","url":"https://registry.example.com:8081","auth":{"type":"basic","secret":"${SECRET}"},"rootCaSecret":"${CA}"}`,
    });
    expect(source && recordFormatsGrants(source, context)).toEqual([
      { sid: 'ReadGlueSchemaVersions', actions: ['glue:GetSchemaVersion'], resources: ['*'] },
      {
        sid: 'ReadSchemaRegistrySecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [SECRET, CA],
      },
    ]);
    expect(source && unusedFormatPackages(source)).toEqual(['protobufjs', 'ajv']);
  });

  it('a JSON source asks for nothing: no variables, no grants, no format packages in its bundle', () => {
    const source = validate('').sources[0]?.source;
    expect(source && recordFormatsEnv(source)).toEqual({});
    expect(source && recordFormatsGrants(source, context)).toEqual([]);
    expect(source && unusedFormatPackages(source)).toEqual(['avsc', 'protobufjs', 'ajv']);
  });

  it.each([
    [
      'value:\n  format: avro\n',
      [
        `${FILE}: value.registry: Value format avro reads records framed by a schema registry, and value.registry is not set. Fix: add value.registry: {type: glue, registryName: <Glue registry>} or {type: confluent, url: https://<registry host>}`,
      ],
    ],
    [
      'value:\n  format: json\n  fallback: json\n',
      [
        `${FILE}: value.fallback: value.fallback is only read with a schema format (avro), and value.format is "json". Fix: remove value.fallback, or set value.format to a schema format`,
      ],
    ],
    [
      'value:\n  format: avro\n  registry: { type: glue, registryName: a }\n  fallback: { type: glue, registryName: b }\n',
      [
        `${FILE}: value.fallback: The fallback registry is a "glue" registry like value.registry: its framing is the same, so it never sees a record. Fix: use fallback json or dlq, or a registry of the other type (the secondary deserializer of the source)`,
      ],
    ],
    [
      'value:\n  format: avro\n  registry: { type: glue, registryName: a }\nfilters:\n  - value: { status_code: ["500"] }\n',
      [
        `${FILE}: filters[0].value: A value pattern never matches a avro value: EventBridge Pipes filters on the value only when it is JSON, so the Pipe would drop every record. Fix: remove the value pattern (filter on key, or drop records with a rule: docs/rules.md)`,
      ],
    ],
  ])('refuses %j', (extra, lines) => {
    const result = validate(extra);
    expect(result.issues.map((i) => `${i.file}: ${i.field}: ${i.message}. Fix: ${i.fix}`)).toEqual(lines);
  });

  it('refuses a Confluent registry over http and a secret given by name', () => {
    const result = validate(
      'value:\n  format: avro\n  registry: { type: confluent, url: "http://r:8081", auth: { type: basic, secret: registry/basic } }\n',
    );
    expect(result.issues.map((i) => i.field)).toEqual(['value.registry.url', 'value.registry.auth.secret']);
  });
});
