/**
 * API Connect events as Avro, for the tests, the local run and the bench: the Avro schema of the
 * generator's events (apic-generator.ts), field for field in the generator's key order, and the framing
 * of the AWS Glue and Confluent serializers (what enrichment/formats/registries/ reads).
 *
 * Avro names cannot hold "@", so `@timestamp` is the field `analytics_timestamp` (the canonical name it
 * has in enrichment/apic-fields.ts); date-times are `timestamp-millis` longs, so the decoded event
 * carries the ISO-8601 text the JSON event carries.
 */
import { deflateSync } from 'node:zlib';
import avsc from 'avsc';
import { avroTypeOf } from '../enrichment/formats/avro.js';
import type { ApicEvent } from './apic-generator.js';

const str = 'string';
const timestamp = { type: 'long', logicalType: 'timestamp-millis' };
const strings = (...names: string[]) => names.map((name) => ({ name, type: str }));
const headers = { type: 'array', items: { type: 'map', values: str } };

/** The Avro schema (record `ApiEvent`) of the generator's API Connect events. */
export const APIC_AVRO_SCHEMA = {
  type: 'record',
  name: 'ApiEvent',
  namespace: 'com.ibm.apiconnect.analytics',
  fields: [
    { name: 'analytics_timestamp', type: timestamp },
    ...strings(
      'api_id',
      'api_name',
      'api_ref',
      'api_resource_id',
      'api_type',
      'api_version',
      'app_id',
      'app_name',
    ),
    { name: 'app_type', type: { type: 'enum', name: 'AppType', symbols: ['Production', 'Development'] } },
    { name: 'bytes_received', type: 'long' },
    { name: 'bytes_sent', type: 'long' },
    ...strings('catalog_id', 'catalog_name', 'client_id', 'client_ip'),
    { name: 'datetime', type: timestamp },
    ...strings('developer_org_id', 'developer_org_name', 'domain_name', 'endpoint_url', 'gateway_ip'),
    ...strings('gateway_service_name', 'gateway_type', 'global_transaction_id', 'host', 'http_user_agent'),
    ...strings('immediate_client_ip'),
    {
      name: 'latency_info',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Latency',
          fields: [
            { name: 'task', type: str },
            { name: 'started', type: 'int' },
          ],
        },
      },
    },
    {
      name: 'log_policy',
      type: { type: 'enum', name: 'LogPolicy', symbols: ['activity', 'header', 'payload'] },
    },
    ...strings('org_id', 'org_name', 'plan_id', 'plan_name', 'plan_version', 'product_id', 'product_name'),
    ...strings('product_title', 'product_version', 'query_string'),
    {
      name: 'rate_limit',
      type: {
        type: 'map',
        values: {
          type: 'record',
          name: 'RateLimit',
          fields: [
            { name: 'count', type: 'int' },
            { name: 'limit', type: 'int' },
            { name: 'period', type: 'int' },
            { name: 'unit', type: str },
            { name: 'reject', type: 'boolean' },
          ],
        },
      },
    },
    { name: 'request_body', type: str },
    { name: 'request_http_headers', type: headers },
    {
      name: 'request_method',
      type: { type: 'enum', name: 'Method', symbols: ['GET', 'POST', 'PUT', 'DELETE'] },
    },
    ...strings('request_protocol', 'resource_id', 'resource_path', 'response_body'),
    { name: 'response_http_headers', type: headers },
    ...strings('scope_id', 'scope_name', 'space_id', 'space_name', 'status_code'),
    { name: 'time_to_serve_request', type: 'long' },
    ...strings('transaction_id', 'uri_path'),
    { name: 'client_geoip', type: ['null', { type: 'map', values: str }], default: null },
  ],
} as const;

/** The schema as the registries hold it (its JSON text). */
export const APIC_AVRO_SCHEMA_TEXT = JSON.stringify(APIC_AVRO_SCHEMA);

const apicType = avroTypeOf(avsc, { dataFormat: 'AVRO', definition: APIC_AVRO_SCHEMA_TEXT });

/** The Avro binary of a generator event (`@timestamp` written as `analytics_timestamp`). */
export function apicAvroBytes(event: ApicEvent): Buffer {
  const { '@timestamp': analyticsTimestamp, ...rest } = event;
  return apicType.toBuffer({ analytics_timestamp: analyticsTimestamp, ...rest, client_geoip: null });
}

/** Bytes framed as the AWS Glue serializers frame them: version 3, compression (0 or 5 = zlib), UUID, payload. */
export function glueFramed(schemaVersionId: string, payload: Buffer, zlib = false): Buffer {
  const uuid = Buffer.from(schemaVersionId.replace(/-/g, ''), 'hex');
  if (uuid.length !== 16) throw new Error(`not a UUID: ${schemaVersionId}`);
  const body = zlib ? deflateSync(payload) : payload;
  return Buffer.concat([Buffer.from([3, zlib ? 5 : 0]), uuid, body]);
}

/** Bytes framed as the Confluent serializers frame them: magic 0, 4-byte schema id, payload. */
export function confluentFramed(schemaId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}
