/**
 * Canonical fidelity (issue 16): records published by others lose no information, bad input is named
 * by its own reason, and no envelope detail refuses a whole batch.
 */
import { describe, expect, it } from 'vitest';
import { canonicalRecordSchema } from '../../../enrichment/canonical-schema.js';
import {
  type CanonicalRecord,
  type EnrichOutcome,
  enrichBatch,
  enrichKafkaRecords,
  eventIdOf,
  type PipeKafkaRecordInput,
  serializeCanonical,
} from '../../../enrichment/index.js';
import { MAX_VALUE_DEPTH } from '../../../enrichment/normalize.js';
import { kinesisTarget } from '../../../pipes/kinds/targets/kinesis.js';
import { apicEvent, canonicalJsonSchemaErrors, defaultRules, FIXED_NOW } from './support.js';

const ctx = {
  rules: defaultRules,
  sourceName: 'fidelity',
  partitionKey: { type: 'topic-partition' } as const,
  now: FIXED_NOW,
};
const CLUSTER = 'b1:9092';

/** One consumed record with the value given as raw bytes / text (so `1e400` reaches JSON.parse as text). */
function input(value: string | Buffer, extra: Partial<PipeKafkaRecordInput> = {}): PipeKafkaRecordInput {
  return {
    eventSource: 'SelfManagedKafka',
    cluster: CLUSTER,
    topic: 't',
    partition: 0,
    offset: '5',
    timestamp: 1641225600123,
    key: null,
    value: typeof value === 'string' ? Buffer.from(value) : value,
    ...extra,
  };
}

/**
 * Enriches through both engines' entry points (the Pipe event and the poller's direct path), checks
 * they give the same bytes and DLQ entries, and that every record is valid against the project's own
 * canonical JSON Schema and zod schema, after a JSON round trip (what the target stores).
 */
function enrichBoth(inputs: PipeKafkaRecordInput[], extra: object = {}): EnrichOutcome {
  const c = { ...ctx, ...extra };
  const viaPipe = enrichBatch(
    inputs.map((i) => ({
      eventSource: i.eventSource,
      bootstrapServers: i.cluster,
      topic: i.topic,
      partition: String(i.partition),
      offset: i.offset,
      timestamp: Number(i.timestamp),
      timestampType: 'CREATE_TIME',
      key: null,
      value: i.value === null ? null : Buffer.from(i.value as Buffer).toString('base64'),
      headers: (Array.isArray(i.headers) ? i.headers : []).map((h: { key: string; value: Buffer }) => ({
        [h.key]: [...h.value],
      })),
    })),
    c,
  );
  const direct = enrichKafkaRecords(inputs, c);
  expect(direct.records.map(serializeCanonical)).toEqual(viaPipe.records.map(serializeCanonical));
  expect(direct.dlq).toEqual(viaPipe.dlq);
  expect(direct.counts).toEqual(viaPipe.counts);
  for (const r of viaPipe.records) {
    expect(canonicalJsonSchemaErrors(r)).toBeNull();
    expect(canonicalRecordSchema.safeParse(JSON.parse(serializeCanonical(r))).success).toBe(true);
  }
  expect(viaPipe.counts.in).toBe(viaPipe.counts.out + viaPipe.counts.dropped + viaPipe.counts.dlq);
  return viaPipe;
}

function only(out: EnrichOutcome): CanonicalRecord {
  expect(out.dlq).toEqual([]);
  expect(out.records).toHaveLength(1);
  return out.records[0] as CanonicalRecord;
}

const reasonOf = (out: EnrichOutcome) => {
  expect(out.records).toEqual([]);
  return out.dlq[0]?.reason;
};

describe('1. numbers beyond the double range', () => {
  it.each([
    [
      '{"time_to_serve_request": 1e400}',
      'wrong-type: field time_to_serve_request must be a finite number or a numeric string, received Infinity',
    ],
    ['{"bytes_sent": "1e400"}', 'wrong-type: field bytes_sent must be a finite number or a numeric string'],
    ['{"ai_total_tokens": -1e999}', 'wrong-type: field ai_total_tokens must be a whole number'],
    ['{"datetime": 1e400}', 'wrong-type: field datetime must be an ISO-8601 date-time'],
    ['{"api_name": 1e400}', 'wrong-type: field api_name must be a string or a number, received Infinity'],
    ['{"custom_data": {"a": [1, 2e308]}}', 'wrong-type: field custom_data holds Infinity'],
    ['{"mystery": 1e400}', 'wrong-type: field mystery holds Infinity'],
  ])('%s → DLQ %s', (value, reason) => {
    expect(reasonOf(enrichBoth([input(value)]))).toContain(reason);
  });
});

describe('2. deep nesting', () => {
  const nested = (depth: number) => `{"custom_data": ${'['.repeat(depth)}${']'.repeat(depth)}}`;

  it('a value thousands of levels deep is too-deep, not a rule error', () => {
    expect(reasonOf(enrichBoth([input(nested(5000))]))).toBe(
      `too-deep: field custom_data nests deeper than ${MAX_VALUE_DEPTH} levels`,
    );
  });

  it('the deepest value allowed gives a record valid against the schema; one level more does not', () => {
    // The event object is level 1, so custom_data may hold MAX_VALUE_DEPTH - 1 levels.
    const record = only(enrichBoth([input(nested(MAX_VALUE_DEPTH - 1))]));
    expect(JSON.stringify(record.api.custom_data)).toBe(
      `${'['.repeat(MAX_VALUE_DEPTH - 1)}${']'.repeat(MAX_VALUE_DEPTH - 1)}`,
    );
    expect(reasonOf(enrichBoth([input(nested(MAX_VALUE_DEPTH))]))).toMatch(/^too-deep: /);
    expect(reasonOf(enrichBoth([input(`{"x":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`)]))).toMatch(
      /^too-deep: field x /,
    );
  });
});

describe('3. prototype keys in every position', () => {
  const value = Buffer.from('{"api_name":"a","__proto__":{"__proto__":1}}').toString('base64');
  const bad = Buffer.from('{"api_name":{}}').toString('base64');
  const record = (v: string, offset: number) =>
    `{"topic":"t","partition":0,"offset":${offset},"timestamp":1,"timestampType":"CREATE_TIME","value":"${v}","headers":[{"__proto__":[104,105]},{"constructor":[104]}]}`;

  it('event-source-mapping shape: headers, group keys and event keys named __proto__ are kept', () => {
    const event = JSON.parse(
      `{"eventSource":"SelfManagedKafka","bootstrapServers":"${CLUSTER}","records":{"__proto__":[${record(value, 1)}],"t-0":[${record(bad, 2)}]}}`,
    );
    const out = enrichBatch(event, ctx);
    expect(out.records).toHaveLength(1);
    expect(JSON.stringify(out.records[0]?.kafka.headers)).toBe('{"__proto__":"hi","constructor":"h"}');
    expect(JSON.stringify(out.records[0]?.extra)).toBe('{"__proto__":{"__proto__":1}}');
    expect(out.dlq[0]?.headers.map((h) => h.name)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).hi).toBeUndefined();
  });
});

describe('4. every eventSource value AWS and its tooling use', () => {
  it.each(['SelfManagedKafka', 'aws:SelfManagedKafka'])('%s (Pipe array and ESM shape)', (eventSource) => {
    const value = Buffer.from('{"api_name":"a"}').toString('base64');
    const r = { topic: 't', partition: 0, offset: 1, value };
    const pipe = enrichBatch([{ ...r, eventSource, bootstrapServers: CLUSTER }], ctx);
    const esm = enrichBatch({ eventSource, bootstrapServers: CLUSTER, records: { 't-0': [r] } }, ctx);
    expect(pipe.records[0]?.eventId).toBe(eventIdOf(CLUSTER, 't', 0, '1'));
    expect(esm.records.map(serializeCanonical)).toEqual(pipe.records.map(serializeCanonical));
  });
});

describe('5. an offset beyond 2^53 sent as a JSON number', () => {
  it('is taken as the runtime rounded it, not refused (the Pipe would retry the batch forever)', () => {
    const event = JSON.parse(
      `[{"eventSource":"SelfManagedKafka","bootstrapServers":"${CLUSTER}","topic":"t","partition":"0","offset":9007199254740993,"value":"e30="},{"eventSource":"SelfManagedKafka","bootstrapServers":"${CLUSTER}","topic":"t","partition":"0","offset":1e21,"value":"e30="}]`,
    );
    const out = enrichBatch(event, ctx);
    expect(out.records.map((r) => r.kafka.offset)).toEqual(['9007199254740992', '1000000000000000000000']);
  });
});

describe('6. one Kafka record, one eventId', () => {
  it('offset "015" and 15 give the same id and the same offset text', () => {
    const a = enrichBoth([input('{}', { offset: '015' })]);
    const b = enrichBoth([input('{}', { offset: '15' })]);
    expect(a.records[0]?.eventId).toBe(b.records[0]?.eventId);
    expect(a.records[0]?.kafka.offset).toBe('15');
  });

  it.each(['SASL_SSL://b1:9092', 'sasl_plaintext://B1:9092', 'kafka+ssl://b1:9092', 'b1:9092'])(
    'brokers %s → cluster b1:9092',
    (cluster) => {
      const out = enrichBoth([input('{}', { cluster })]);
      expect(out.records[0]?.kafka.cluster).toBe('b1:9092');
      expect(out.records[0]?.eventId).toBe(eventIdOf('b1:9092', 't', 0, '5'));
    },
  );
});

describe('7. nothing lost from values IBM publishes', () => {
  it('keeps date-times as received next to the normalized UTC value', () => {
    const api = only(
      enrichBoth([
        input(
          '{"@timestamp":"2024-05-06T07:08:09.123456789Z","datetime":"2024-05-06T12:38:09.5+05:30","@x":1}',
        ),
      ]),
    ).api;
    expect(api).toEqual({
      analytics_timestamp: '2024-05-06T07:08:09.123Z',
      analytics_timestamp_original: '2024-05-06T07:08:09.123456789Z',
      datetime: '2024-05-06T07:08:09.500Z',
      datetime_original: '2024-05-06T12:38:09.5+05:30',
    });
  });

  it('keeps whether a status reason was given, and statuses without a code as values', () => {
    const api = only(
      enrichBoth([
        input('{"status_code":"503 Service Unavailable","backend_status_code":"503","api_version":1.0}'),
      ]),
    ).api;
    expect(api.status).toEqual({ code: 503, reason: 'Service Unavailable', reasonGiven: true });
    expect(api.backend_status).toEqual({ code: 503, reason: 'Service Unavailable', reasonGiven: false });
    expect(api.api_version).toBe(1);
    const unreachable = only(enrichBoth([input('{"status_code":"500","backend_status_code":""}')]));
    expect(unreachable.api.backend_status).toEqual({ code: null, reason: null, reasonGiven: false });
  });

  it('flags non-UTF-8 header values and keeps repeated values apart', () => {
    const headers = [
      { key: 'region', value: Buffer.from('eu,west') },
      { key: 'bin', value: Buffer.from([0xff, 0x00]) },
      { key: 'region', value: Buffer.from('us') },
      { key: 'bin', value: Buffer.from('ok') },
    ];
    const { kafka } = only(enrichBoth([input('{}', { headers })]));
    expect(kafka.headers).toEqual({ region: ['eu,west', 'us'], bin: ['/wA=', 'b2s='] });
    expect(kafka.headerEncodings).toEqual({ bin: 'base64' });
  });
});

describe("8. IBM's current field reference", () => {
  it('maps the AI gateway fields and summary_event_id with their types, and the rateLimit spelling', () => {
    const api = only(
      enrichBoth([
        input(
          '{"ai_model":"granite","ai_request_tokens":"12","ai_response_tokens":30,"ai_total_tokens":42,"ai_cache_hit":"false","summary_event_id":"s-1","rateLimit":{"a":1}}',
        ),
      ]),
    ).api;
    expect(api).toEqual({
      ai_model: 'granite',
      ai_request_tokens: 12,
      ai_response_tokens: 30,
      ai_total_tokens: 42,
      ai_cache_hit: false,
      summary_event_id: 's-1',
      rate_limit: { a: 1 },
    });
  });

  it('keeps the other spelling in extra when the event carries both', () => {
    const record = only(enrichBoth([input('{"rateLimit":{"a":1},"rate_limit":{"b":2}}')]));
    expect(record.api).toEqual({ rate_limit: { b: 2 } });
    expect(record.extra).toEqual({ rateLimit: { a: 1 } });
  });

  it.each([
    ['{"ai_total_tokens":12.5}', 'wrong-type: field ai_total_tokens must be a whole number'],
    ['{"ai_cache_hit":"yes"}', 'wrong-type: field ai_cache_hit must be true, false, "true" or "false"'],
  ])('%s → %s', (value, reason) => {
    expect(reasonOf(enrichBoth([input(value)]))).toContain(reason);
  });
});

describe('9. newline-delimited values and a byte order mark', () => {
  it('strips a UTF-8 BOM', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"api_name":"a"}')]);
    expect(only(enrichBoth([input(bom)])).api).toEqual({ api_name: 'a' });
  });

  it('gives one record per event, each with the coordinates + index as its eventId', () => {
    const out = enrichBoth([input('{"api_name":"a"}\n\n{"api_name":"b"}\r\n{"api_name":"c"}\n')]);
    expect(out.records.map((r) => [r.api.api_name, r.kafka.eventIndex, r.eventId])).toEqual(
      [0, 1, 2].map((i) => [['a', 'b', 'c'][i], i, eventIdOf(CLUSTER, 't', 0, '5', i)]),
    );
    expect(out.counts).toMatchObject({ in: 3, out: 3 });
  });

  it('sends a bad event of a bulk value to the DLQ alone, with its index; a bad line fails the value', () => {
    const out = enrichBoth([input('{"api_name":"a"}\n{"bytes_sent":"x"}')]);
    expect(out.records).toHaveLength(1);
    expect(out.dlq.map((d) => [d.eventIndex, d.eventId])).toEqual([[1, eventIdOf(CLUSTER, 't', 0, '5', 1)]]);
    const broken = enrichBoth([input('{"api_name":"a"}\n{"api_name":')]);
    expect(reasonOf(broken)).toMatch(/^invalid-json: line 2: /);
    expect(broken.dlq[0]?.eventId).toBe(eventIdOf(CLUSTER, 't', 0, '5'));
  });

  it("never returns more records than the target's maximum batch size: the rest goes to the DLQ", () => {
    const bulk = Array.from({ length: 300 }, () => JSON.stringify(apicEvent())).join('\n');
    const out = enrichBoth([input(bulk, { offset: '1' }), input(bulk, { offset: '2' })], {
      target: kinesisTarget.limits,
    });
    expect(out.records).toHaveLength(500);
    expect(out.counts).toMatchObject({
      in: 600,
      out: 500,
      dlq: 100,
      byReason: { 'batch-output-limit': 100 },
    });
    expect(out.dlq.map((d) => [d.offset, d.eventIndex])).toEqual(
      Array.from({ length: 100 }, (_, i) => ['2', 200 + i]),
    );
  });
});
