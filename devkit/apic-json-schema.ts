/**
 * API Connect events as JSON Schema values, for the tests, the local run and the bench: a draft 2020-12
 * schema of the generator's events (apic-generator.ts) as a registry holds it, and the payload the
 * Confluent and Glue JSON Schema serializers write (the event's UTF-8 JSON text).
 */
import type { ApicEvent } from './apic-generator.js';

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const headers = { type: 'array', items: { type: 'object', additionalProperties: str } } as const;

const STRING_FIELDS = [
  'api_id',
  'api_name',
  'api_ref',
  'api_resource_id',
  'api_type',
  'api_version',
  'app_id',
  'app_name',
  'catalog_id',
  'catalog_name',
  'client_id',
  'client_ip',
  'developer_org_id',
  'developer_org_name',
  'domain_name',
  'endpoint_url',
  'gateway_ip',
  'gateway_service_name',
  'gateway_type',
  'global_transaction_id',
  'host',
  'http_user_agent',
  'immediate_client_ip',
  'org_id',
  'org_name',
  'plan_id',
  'plan_name',
  'plan_version',
  'product_id',
  'product_name',
  'product_title',
  'product_version',
  'query_string',
  'request_body',
  'request_protocol',
  'resource_id',
  'resource_path',
  'response_body',
  'scope_id',
  'scope_name',
  'space_id',
  'space_name',
  'status_code',
  'transaction_id',
  'uri_path',
] as const;

/** The JSON Schema (draft 2020-12) of the generator's API Connect events. */
export const APIC_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'ApiEvent',
  type: 'object',
  required: ['@timestamp', 'api_name', 'datetime', 'request_method', 'status_code', 'transaction_id'],
  properties: {
    '@timestamp': { type: 'string', format: 'date-time' },
    datetime: { type: 'string', format: 'date-time' },
    ...Object.fromEntries(STRING_FIELDS.map((name) => [name, str])),
    app_type: { enum: ['Production', 'Development'] },
    bytes_received: int,
    bytes_sent: int,
    time_to_serve_request: int,
    latency_info: {
      type: 'array',
      items: {
        type: 'object',
        required: ['task', 'started'],
        properties: { task: str, started: { type: 'integer' } },
      },
    },
    log_policy: { enum: ['activity', 'header', 'payload'] },
    rate_limit: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          count: { type: 'integer' },
          limit: { type: 'integer' },
          period: { type: 'integer' },
          unit: str,
          reject: { type: 'boolean' },
        },
      },
    },
    request_http_headers: headers,
    request_method: { enum: ['GET', 'POST', 'PUT', 'DELETE'] },
    response_http_headers: headers,
  },
} as const;

/** The schema as the registries hold it (its JSON text). */
export const APIC_JSON_SCHEMA_TEXT = JSON.stringify(APIC_JSON_SCHEMA);

/** The JSON Schema serializers' payload of an event: its UTF-8 JSON text. */
export function apicJsonBytes(event: ApicEvent): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}
