/**
 * The IBM API Connect API event record fields the canonical schema knows, with their type and the
 * canonical name under `api` (IBM "API event record field reference", API Connect v10 and 12.1:
 * https://www.ibm.com/docs/SSMNED_12.1.x_cd/com.ibm.apic.analytics.doc/api_event_records_fields.html;
 * `summary_event_id` from the summary API event record reference). Fields not listed here go to
 * `extra` untouched.
 *
 * Kinds: `string` (a number is kept as a number), `number` (a numeric string is accepted), `integer`
 * (a number or numeric string holding a whole number), `boolean` (also `"true"` / `"false"`),
 * `datetime` (normalized to ISO-8601 UTC with milliseconds; the value as received is kept next to it
 * when it differs), `status` (`"200 OK"` → `{code, reason, reasonGiven}`), `json` (any JSON value, kept
 * as is).
 */
export const APIC_FIELDS = [
  ['@timestamp', 'analytics_timestamp', 'datetime', 'When the analytics ingestion wrote the record.'],
  [
    'analytics_timestamp',
    'analytics_timestamp',
    'datetime',
    '`@timestamp` in formats whose field names cannot hold "@" (Avro, Protobuf).',
  ],
  ['ai_cache_hit', 'ai_cache_hit', 'boolean', 'Whether the AI Gateway served the response from its cache.'],
  ['ai_model', 'ai_model', 'string', 'The AI model used in this AI Gateway call.'],
  ['ai_request_tokens', 'ai_request_tokens', 'integer', 'Request tokens of this AI Gateway call.'],
  ['ai_response_tokens', 'ai_response_tokens', 'integer', 'Response tokens of this AI Gateway call.'],
  ['ai_total_tokens', 'ai_total_tokens', 'integer', 'Request plus response tokens of this AI Gateway call.'],
  ['api_id', 'api_id', 'string', 'The API identifier.'],
  ['api_name', 'api_name', 'string', 'The name of the API.'],
  ['api_ref', 'api_ref', 'string', 'The API reference (api_name:api_version).'],
  ['api_resource_id', 'api_resource_id', 'string', 'api_name:api_version:method:path.'],
  ['api_type', 'api_type', 'string', 'The API type: rest, soap, graphql, asyncapi.'],
  ['api_version', 'api_version', 'string', 'The version of the API.'],
  ['app_id', 'app_id', 'string', 'The identifier of the registered application.'],
  ['app_name', 'app_name', 'string', 'The name of the registered application.'],
  ['app_type', 'app_type', 'string', 'Production or Development.'],
  ['backend_method', 'backend_method', 'string', 'HTTP method of the backend call.'],
  ['backend_request_body', 'backend_request_body', 'string', 'Request body sent to the backend.'],
  ['backend_request_headers', 'backend_request_headers', 'json', 'HTTP headers of the backend request.'],
  ['backend_response_body', 'backend_response_body', 'string', 'Response body from the backend.'],
  ['backend_response_headers', 'backend_response_headers', 'json', 'HTTP headers of the backend response.'],
  ['backend_status_code', 'backend_status', 'status', 'HTTP status of the backend response.'],
  ['backend_time_to_serve_request', 'backend_time_to_serve_request', 'number', 'Backend time, ms.'],
  ['backend_url', 'backend_url', 'string', 'Full URL of the backend call.'],
  ['bytes_received', 'bytes_received', 'number', 'Bytes received from the consumer in the request.'],
  ['bytes_sent', 'bytes_sent', 'number', 'Bytes sent to the consumer in the response.'],
  ['catalog_id', 'catalog_id', 'string', 'The catalog identifier.'],
  ['catalog_name', 'catalog_name', 'string', 'The catalog name.'],
  ['client_geoip', 'client_geoip', 'json', 'Geolocation of the client IP.'],
  ['client_id', 'client_id', 'string', 'The client ID used by the application.'],
  ['client_ip', 'client_ip', 'string', 'IP address of the client (PII: redact by rule).'],
  ['custom_data', 'custom_data', 'json', 'Data added by custom gateway scripts.'],
  ['datetime', 'datetime', 'datetime', 'When the API was invoked (UTC).'],
  ['developer_org_id', 'developer_org_id', 'string', 'Consumer organization identifier.'],
  ['developer_org_name', 'developer_org_name', 'string', 'Consumer organization name.'],
  ['developer_org_title', 'developer_org_title', 'string', 'Consumer organization title.'],
  ['domain_name', 'domain_name', 'string', 'The DataPower domain that processed the call.'],
  ['endpoint_url', 'endpoint_url', 'string', 'The endpoint URL of the API.'],
  ['event_id', 'event_id', 'string', 'Unique ID assigned to the event by API Connect.'],
  ['gateway_geoip', 'gateway_geoip', 'json', 'Geolocation of the gateway IP.'],
  ['gateway_ip', 'gateway_ip', 'string', 'IP address of the gateway.'],
  ['gateway_type', 'gateway_type', 'string', 'Gateway type (apigw: DataPower API Gateway; v5-compatible).'],
  ['gateway_service_name', 'gateway_service_name', 'string', 'Name of the DataPower API gateway service.'],
  ['global_transaction_id', 'global_transaction_id', 'string', 'Global transaction ID across gateways.'],
  ['host', 'host', 'string', 'Host name of the gateway.'],
  ['http_user_agent', 'http_user_agent', 'string', 'User agent of the client.'],
  ['immediate_client_ip', 'immediate_client_ip', 'string', 'IP of the direct caller (PII: redact by rule).'],
  ['latency_info', 'latency_info', 'json', 'Latency of each assembly step.'],
  ['log_policy', 'log_policy', 'string', 'Activity log setting: none, activity, header, payload.'],
  ['opentracing_info', 'opentracing_info', 'json', 'OpenTracing data.'],
  ['org_id', 'org_id', 'string', 'Provider organization identifier.'],
  ['org_name', 'org_name', 'string', 'Provider organization name.'],
  ['plan_id', 'plan_id', 'string', 'The plan identifier.'],
  ['plan_name', 'plan_name', 'string', 'The plan name.'],
  ['plan_version', 'plan_version', 'string', 'The plan version.'],
  ['product_id', 'product_id', 'string', 'The product identifier.'],
  ['product_name', 'product_name', 'string', 'The product name.'],
  ['product_ref', 'product_ref', 'string', 'The product reference (product_name:product_version).'],
  ['product_title', 'product_title', 'string', 'The product title.'],
  ['product_version', 'product_version', 'string', 'The product version.'],
  ['query_string', 'query_string', 'string', 'Query string of the request.'],
  ['rate_limit', 'rate_limit', 'json', 'Rate limits applied to the call.'],
  ['request_body', 'request_body', 'string', 'Request body (PII: redact by rule).'],
  ['request_http_headers', 'request_http_headers', 'json', 'Request HTTP headers (PII: redact by rule).'],
  ['request_method', 'request_method', 'string', 'HTTP method of the request.'],
  ['request_protocol', 'request_protocol', 'string', 'Protocol of the request: http or https.'],
  ['resource_id', 'resource_id', 'string', 'The resource (operation) identifier.'],
  ['resource_path', 'resource_path', 'string', 'The operation path.'],
  ['response_body', 'response_body', 'string', 'Response body (PII: redact by rule).'],
  ['response_http_headers', 'response_http_headers', 'json', 'Response HTTP headers.'],
  ['space_id', 'space_id', 'string', 'The space identifier.'],
  ['space_name', 'space_name', 'string', 'The space name.'],
  ['status_code', 'status', 'status', 'HTTP status returned to the consumer: {code, reason, reasonGiven}.'],
  ['summary_event_id', 'summary_event_id', 'string', 'Unique ID of a summary API event record.'],
  ['time_to_serve_request', 'time_to_serve_request', 'number', 'Time to serve the request, ms.'],
  ['transaction_id', 'transaction_id', 'string', 'Transaction ID of the call on the gateway.'],
  ['uri_path', 'uri_path', 'string', 'The URI path of the request.'],
] as const satisfies readonly (readonly [string, string, ApicFieldKind, string])[];

/** How a known API Connect field is normalized. */
export type ApicFieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'datetime' | 'status' | 'json';

/**
 * Other spellings of known fields that records written by some generators use → the field's name in
 * IBM's reference. An alias is read like the field unless the event also carries the field itself
 * (then the alias stays in `extra`, so neither value is lost).
 */
export const APIC_FIELD_ALIASES = [['rateLimit', 'rate_limit']] as const satisfies readonly (readonly [
  string,
  string,
])[];

/** Suffix of the canonical field that keeps a date-time as received when normalizing changed it. */
export const ORIGINAL_SUFFIX = '_original';

/** How one source field is normalized. */
export interface ApicFieldSpec {
  /** Canonical name under `api`. */
  readonly dst: string;
  readonly kind: ApicFieldKind;
  /** For date-times: the canonical name of the value as received (`<dst>_original`). */
  readonly original: string;
  /** For an alias: the field's name in IBM's reference. */
  readonly aliasOf: string | undefined;
}

const specs = new Map<string, ApicFieldSpec>(
  APIC_FIELDS.map(([src, dst, kind]) => [
    src,
    { dst, kind, original: `${dst}${ORIGINAL_SUFFIX}`, aliasOf: undefined },
  ]),
);
for (const [alias, src] of APIC_FIELD_ALIASES) {
  const spec = specs.get(src) as ApicFieldSpec;
  specs.set(alias, { ...spec, aliasOf: src });
}

/** Source field name (or alias) → how it is normalized. */
export const APIC_FIELD_MAP: ReadonlyMap<string, ApicFieldSpec> = specs;
