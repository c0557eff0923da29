/**
 * The Glue columns of the Parquet format (pipes/kinds/targets/glue-columns.ts) are generated from the
 * canonical record's JSON Schema: each canonical field is a column, a field added to the schema becomes one,
 * and each JSON Schema shape maps to its Hive type.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJsonSchema } from '../../../enrichment/canonical-schema.js';
import { glueColumnsOf, hiveTypeOf, type JsonSchemaNode } from '../../../pipes/kinds/targets/glue-columns.js';

const canonical = canonicalJsonSchema() as JsonSchemaNode;

describe('glueColumnsOf', () => {
  it('has one lower-case column per canonical field, in schema order', () => {
    const columns = glueColumnsOf(canonical);
    expect(columns.map((c) => c.name)).toEqual(
      Object.keys(canonical.properties ?? {}).map((name) => name.toLowerCase()),
    );
    expect(columns.slice(0, 5)).toEqual([
      { name: 'schemaversion', type: 'double' },
      { name: 'eventid', type: 'string' },
      { name: 'partitionkey', type: 'string' },
      { name: 'source', type: 'string' },
      { name: 'ruleversion', type: 'string' },
    ]);
  });

  it('makes a field added to the canonical schema a column, nested ones included', () => {
    const kafka = canonical.properties?.kafka as JsonSchemaNode;
    const changed: JsonSchemaNode = {
      ...canonical,
      properties: {
        ...canonical.properties,
        kafka: { ...kafka, properties: { ...kafka.properties, leaderEpoch: { type: 'integer' } } },
        ingestedAt: { type: 'string', format: 'date-time' } as JsonSchemaNode,
      },
    };
    const columns = glueColumnsOf(changed);
    expect(columns.at(-1)).toEqual({ name: 'ingestedat', type: 'string' });
    expect(columns.find((c) => c.name === 'kafka')?.type).toMatch(/,leaderepoch:bigint>$/);
    expect(glueColumnsOf(canonical).find((c) => c.name === 'ingestedat')).toBeUndefined();
  });

  it('refuses a field name a Glue column cannot take, and two names equal in lower case', () => {
    expect(() => glueColumnsOf({ properties: { '@timestamp': { type: 'string' } } })).toThrow(
      'canonical field "@timestamp" cannot be a Glue column (letters, digits and _ only): rename it in enrichment/canonical-schema.ts',
    );
    expect(() =>
      glueColumnsOf({
        properties: {
          kafka: { type: 'object', properties: { eventId: { type: 'string' }, eventid: { type: 'string' } } },
        },
      }),
    ).toThrow(
      'canonical fields "eventId" and "eventid" are one Glue column in lower case: rename one in enrichment/canonical-schema.ts',
    );
  });

  it('types the Kafka coordinates, tags, rule output and route', () => {
    const type = (name: string) => glueColumnsOf(canonical).find((c) => c.name === name)?.type;
    expect(type('kafka')).toBe(
      'struct<cluster:string,topic:string,partition:bigint,offset:string,timestamp:string,' +
        'timestamptype:string,key:string,keyencoding:string,headers:map<string,string>,' +
        'headerencodings:map<string,string>,eventindex:bigint>',
    );
    expect(type('tags')).toBe('array<string>');
    expect(type('attributes')).toBe('map<string,string>');
    expect(type('extra')).toBe('map<string,string>');
    expect(type('route')).toBe('string');
    expect(type('api')).toMatch(/^struct<analytics_timestamp:string,/);
    expect(type('api')).toContain(',ai_cache_hit:boolean,ai_model:string,ai_request_tokens:bigint,');
    expect(type('api')).toContain(',backend_status:struct<code:bigint,reason:string,reasongiven:boolean>,');
    expect(type('api')).toContain(',bytes_received:double,');
  });
});

describe('hiveTypeOf', () => {
  it.each([
    [{ type: 'string' }, 'string'],
    [{ type: 'integer' }, 'bigint'],
    [{ type: 'number' }, 'double'],
    [{ type: 'boolean' }, 'boolean'],
    [{ type: ['boolean', 'null'] }, 'boolean'],
    [{ anyOf: [{ type: 'integer' }, { type: 'null' }] }, 'bigint'],
    [{ type: ['string', 'number'] }, 'string'],
    [{ anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }, 'string'],
    [{ type: 'array', items: { type: 'number' } }, 'array<double>'],
    [
      { type: 'array', items: { type: 'object', properties: { A: { type: 'integer' } } } },
      'array<struct<a:bigint>>',
    ],
    [{ type: 'object', additionalProperties: { type: 'boolean' } }, 'map<string,boolean>'],
    [{ type: 'object' }, 'map<string,string>'],
    [{}, 'string'],
  ] as [JsonSchemaNode, string][])('%j → %s', (node, type) => {
    expect(hiveTypeOf(node, {})).toBe(type);
  });

  it('follows $ref into $defs and types a recursive (any JSON) definition as string', () => {
    const defs: Record<string, JsonSchemaNode> = {
      point: { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } },
      json: { anyOf: [{ type: 'string' }, { type: 'array', items: { $ref: '#/$defs/json' } }] },
    };
    expect(hiveTypeOf({ $ref: '#/$defs/point' }, defs)).toBe('struct<x:double,y:double>');
    expect(hiveTypeOf({ $ref: '#/$defs/json' }, defs)).toBe('string');
  });
});
