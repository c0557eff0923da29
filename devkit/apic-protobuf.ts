/**
 * API Connect events as Protobuf, for the tests and the local run: a proto3 schema of the generator's
 * events (apic-generator.ts), field for field in the generator's key order, their binary, and the
 * message-index prefixes the Confluent and Glue serializers write before a Protobuf payload (what
 * enrichment/formats/protobuf.ts reads).
 *
 * As in apic-avro.ts, `@timestamp` is the field `analytics_timestamp`; date-times are
 * google.protobuf.Timestamp, headers google.protobuf.Struct, so the decoded event carries the JSON
 * event's values. The counters are int32 (the generator's values fit), so they decode to numbers.
 */
import protobuf from 'protobufjs';
import type { ApicEvent } from './apic-generator.js';

const strings = (first: number, ...names: string[]) =>
  names.map((name, i) => `  string ${name} = ${first + i};`).join('\n');

/** The `.proto` text (message `ApiEvent`, package `com.ibm.apiconnect.analytics.v1`). */
export const APIC_PROTO_TEXT = `syntax = "proto3";
package com.ibm.apiconnect.analytics.v1;

import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";

enum AppType { Production = 0; Development = 1; }
enum LogPolicy { activity = 0; header = 1; payload = 2; }
enum Method { GET = 0; POST = 1; PUT = 2; DELETE = 3; }

message Latency { string task = 1; int32 started = 2; }
message RateLimit { int32 count = 1; int32 limit = 2; int32 period = 3; string unit = 4; bool reject = 5; }

message ApiEvent {
  google.protobuf.Timestamp analytics_timestamp = 1;
${strings(2, 'api_id', 'api_name', 'api_ref', 'api_resource_id', 'api_type', 'api_version', 'app_id', 'app_name')}
  AppType app_type = 10;
  int32 bytes_received = 11;
  int32 bytes_sent = 12;
${strings(13, 'catalog_id', 'catalog_name', 'client_id', 'client_ip')}
  google.protobuf.Timestamp datetime = 17;
${strings(18, 'developer_org_id', 'developer_org_name', 'domain_name', 'endpoint_url', 'gateway_ip')}
${strings(23, 'gateway_service_name', 'gateway_type', 'global_transaction_id', 'host', 'http_user_agent')}
  string immediate_client_ip = 28;
  repeated Latency latency_info = 29;
  LogPolicy log_policy = 30;
${strings(31, 'org_id', 'org_name', 'plan_id', 'plan_name', 'plan_version', 'product_id', 'product_name')}
${strings(38, 'product_title', 'product_version', 'query_string')}
  map<string, RateLimit> rate_limit = 41;
  string request_body = 42;
  repeated google.protobuf.Struct request_http_headers = 43;
  Method request_method = 44;
${strings(45, 'request_protocol', 'resource_id', 'resource_path', 'response_body')}
  repeated google.protobuf.Struct response_http_headers = 49;
${strings(50, 'scope_id', 'scope_name', 'space_id', 'space_name', 'status_code')}
  int32 time_to_serve_request = 55;
${strings(56, 'transaction_id', 'uri_path')}
  google.protobuf.Struct client_geoip = 58;
}
`;

/** The full name of the event message. */
export const APIC_PROTO_MESSAGE = 'com.ibm.apiconnect.analytics.v1.ApiEvent';

/** A protobufjs root of a `.proto` text with the well-known types it may import (field names kept). */
export function protoRoot(...texts: string[]): protobuf.Root {
  const root = new protobuf.Root();
  for (const name of ['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers']) {
    root.addJSON((protobuf.common.get(`google/protobuf/${name}.proto`) as { nested: never }).nested);
  }
  for (const text of texts) protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  return root;
}

const apicType = protoRoot(APIC_PROTO_TEXT).lookupType(APIC_PROTO_MESSAGE);

function timestamp(iso: string): { seconds: number; nanos: number } {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

function struct(values: Record<string, string>) {
  return {
    fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { stringValue: v }])),
  };
}

/** The protobufjs message object of a generator event. */
export function apicProtoObject(event: ApicEvent): Record<string, unknown> {
  const { '@timestamp': analyticsTimestamp, ...rest } = event;
  return {
    ...rest,
    analytics_timestamp: timestamp(analyticsTimestamp),
    datetime: timestamp(event.datetime),
    request_http_headers: event.request_http_headers.map(struct),
    response_http_headers: event.response_http_headers.map(struct),
  };
}

/** The Protobuf binary of a generator event (no message-index prefix). */
export function apicProtoBytes(event: ApicEvent): Buffer {
  return Buffer.from(apicType.encode(apicType.fromObject(apicProtoObject(event))).finish());
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** The Confluent message-index prefix of an index path (zigzag varints; [0] is the single byte 0). */
export function confluentMessageIndexes(path: readonly number[]): Buffer {
  if (path.length === 1 && path[0] === 0) return Buffer.from([0]);
  return Buffer.from([path.length, ...path].flatMap((n) => varint(n * 2)));
}

/** The Glue message-index prefix: one unsigned varint. */
export function glueMessageIndex(index: number): Buffer {
  return Buffer.from(varint(index));
}
