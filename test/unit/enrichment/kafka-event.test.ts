import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPipeKafkaRecord,
  decodeKafkaEvent,
  eventSourceOfCluster,
  InvalidEventError,
  normalizeCluster,
  pipeInputOf,
} from '../../../enrichment/index.js';
import { MSK_ARN, pipeRecord, SMK_CLUSTER } from './support.js';

describe('decodeKafkaEvent', () => {
  it('decodes a Pipes SelfManagedKafka array with headers as byte arrays', () => {
    // Arrange
    const event = [
      {
        eventSource: 'SelfManagedKafka',
        bootstrapServers: 'b2:9092,b1:9092',
        eventSourceKey: 'apic-0',
        topic: 'apic',
        partition: '0',
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: Buffer.from('k').toString('base64'),
        value: Buffer.from('{}').toString('base64'),
        headers: [{ 'content-type': [97, 112, 112] }, { 'content-type': [106, 115] }],
      },
    ];

    // Act
    const [record] = decodeKafkaEvent(event);

    // Assert
    expect(record).toMatchObject({
      eventSource: 'SelfManagedKafka',
      cluster: 'b1:9092,b2:9092',
      topic: 'apic',
      partition: 0,
      offset: '15',
      timestamp: 1545084650987,
      key: 'aw==',
      value: 'e30=',
      // A repeated name keeps its values apart, in wire order (issue 16 item 7).
      headers: { 'content-type': ['app', 'js'] },
      headerEncodings: {},
    });
  });

  it('decodes a Pipes aws:kafka array and keeps the cluster ARN', () => {
    const [record] = decodeKafkaEvent([pipeRecord({ a: 1 }, { msk: true, offset: '9' })]);
    expect(record?.cluster).toBe(MSK_ARN);
    expect(record?.eventSource).toBe('aws:kafka');
  });

  it('flattens the event-source-mapping shape in delivery order', () => {
    // Arrange
    const event = {
      eventSource: 'aws:kafka',
      eventSourceArn: MSK_ARN,
      records: {
        'apic-0': [
          {
            topic: 'apic',
            partition: 0,
            offset: 1,
            timestamp: 1,
            timestampType: 'CREATE_TIME',
            value: 'e30=',
          },
        ],
        'apic-1': [
          {
            topic: 'apic',
            partition: 1,
            offset: 7,
            timestamp: 1,
            timestampType: 'CREATE_TIME',
            value: 'e30=',
          },
          {
            topic: 'apic',
            partition: 1,
            offset: 8,
            timestamp: 1,
            timestampType: 'CREATE_TIME',
            value: 'e30=',
          },
        ],
      },
    };

    // Act
    const records = decodeKafkaEvent(event);

    // Assert
    expect(records.map((r) => `${r.partition}/${r.offset}/${r.cluster === MSK_ARN}`)).toEqual([
      '0/1/true',
      '1/7/true',
      '1/8/true',
    ]);
  });

  it('accepts an empty Pipes batch', () => {
    expect(decodeKafkaEvent([])).toEqual([]);
  });

  it.each([
    [
      null,
      'Invalid Kafka event: expected a Pipes array of Kafka records or an event-source-mapping object with "records", received null',
    ],
    [
      'text',
      'Invalid Kafka event: expected a Pipes array of Kafka records or an event-source-mapping object with "records", received string',
    ],
    [
      { Records: [] },
      'Invalid Kafka event: expected a Pipes array of Kafka records or an event-source-mapping object with "records", received object',
    ],
    [
      [{ topic: 'a', partition: '0', offset: 1 }],
      'Invalid Pipes Kafka event: [0]: expected bootstrapServers (SelfManagedKafka) or eventSourceArn (aws:kafka)',
    ],
    [
      [{ bootstrapServers: 'b:1', partition: '0', offset: -1 }],
      'Invalid Pipes Kafka event: [0].topic: Invalid input: expected string, received undefined; [0].offset: expected a non-negative integer offset',
    ],
    [
      [{ bootstrapServers: 'b:1', topic: 't', partition: 'x', offset: 1, headers: [{ h: [256] }] }],
      'Invalid Pipes Kafka event: [0].partition: expected a non-negative integer partition; [0].headers[0].h[0]: Too big: expected number to be <=255',
    ],
    [
      {
        eventSource: 'SelfManagedKafka',
        bootstrapServers: 'b:1',
        records: { 't-0': [{ topic: 't', partition: 0 }] },
      },
      'Invalid event-source-mapping Kafka event: .records.t-0[0].offset: Invalid input',
    ],
    [
      { eventSource: 'kinesis', records: {} },
      'Invalid event-source-mapping Kafka event: .eventSource: Invalid option: expected one of "SelfManagedKafka"|"aws:SelfManagedKafka"|"aws:kafka"',
    ],
  ])('rejects %j with an exact message', (event, message) => {
    expect(() => decodeKafkaEvent(event)).toThrow(new InvalidEventError(message));
  });
});

describe('normalizeCluster', () => {
  it.each([
    [
      'SelfManagedKafka',
      'smk://B2.example:9092, b1.example:9092,b1.example:9092',
      'b1.example:9092,b2.example:9092',
    ],
    ['SelfManagedKafka', SMK_CLUSTER, 'broker-1.example.com:9094,broker-2.example.com:9094'],
    ['aws:kafka', MSK_ARN, MSK_ARN],
  ] as const)('%s %s → %s', (source, id, expected) => {
    expect(normalizeCluster(source, id)).toBe(expected);
  });
});

describe('buildPipeKafkaRecord', () => {
  it('builds the Pipes record shape from kafkajs-style input', () => {
    // Act
    const record = buildPipeKafkaRecord({
      eventSource: 'SelfManagedKafka',
      cluster: 'b1:9092',
      topic: 'apic',
      partition: 2,
      offset: '15',
      timestamp: '1545084650987',
      key: Buffer.from('k'),
      value: Buffer.from('{"a":1}'),
      headers: { h1: Buffer.from('v1'), h2: ['x', Buffer.from('y')], skipped: undefined },
    });

    // Assert
    expect(record).toEqual({
      eventSource: 'SelfManagedKafka',
      bootstrapServers: 'b1:9092',
      eventSourceKey: 'apic-2',
      topic: 'apic',
      partition: '2',
      offset: 15,
      timestamp: 1545084650987,
      timestampType: 'CREATE_TIME',
      key: 'aw==',
      value: 'eyJhIjoxfQ==',
      headers: [{ h1: [118, 49] }, { h2: [120] }, { h2: [121] }],
    });
  });

  it('keeps an offset beyond 2^53 as a string and round-trips it', () => {
    const record = buildPipeKafkaRecord({
      eventSource: 'aws:kafka',
      cluster: MSK_ARN,
      topic: 't',
      partition: 0,
      offset: '9007199254740993',
      timestamp: 0,
      key: null,
      value: null,
    });
    expect(record.offset).toBe('9007199254740993');
    expect(record.eventSourceArn).toBe(MSK_ARN);
    expect(decodeKafkaEvent([record])[0]?.offset).toBe('9007199254740993');
  });
});

describe('decodeKafkaEvent on random Pipes events', () => {
  const anyValue = fc.oneof(
    fc.constantFrom(
      undefined,
      null,
      '',
      'SelfManagedKafka',
      'aws:kafka',
      '0',
      '-1',
      '12',
      'x',
      0,
      -1,
      1.5,
      7,
      2 ** 60,
    ),
    fc.array(fc.integer({ min: -1, max: 256 }), { maxLength: 3 }),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const fields = [
    'eventSource',
    'bootstrapServers',
    'eventSourceArn',
    'eventSourceKey',
    'topic',
    'partition',
    'offset',
    'timestamp',
    'timestampType',
    'key',
    'value',
    'headers',
  ];
  const candidate = fc
    .record({
      base: fc.constant(pipeRecord({ a: 1 }) as Record<string, unknown>),
      changes: fc.dictionary(fc.constantFrom(...fields), anyValue, { maxKeys: 4 }),
      headers: fc.option(
        fc.array(fc.dictionary(fc.string({ maxLength: 3 }), anyValue, { maxKeys: 2 }), { maxLength: 2 }),
        { nil: undefined },
      ),
    })
    .map(({ base, changes, headers }) => ({ ...base, ...changes, ...(headers ? { headers } : {}) }));

  it('returns each record with its headers exactly as received (every name kept), or throws InvalidEventError', () => {
    // Events as the Lambda runtime hands them over: parsed from JSON text.
    const headerNames = fc.constantFrom('trace', '__proto__', 'constructor', 'a');
    const withHeaders = fc
      .tuple(
        candidate,
        fc.array(fc.dictionary(headerNames, fc.oneof(fc.string({ maxLength: 3 }), fc.constant([104, 105]))), {
          maxLength: 2,
        }),
      )
      .map(([record, headers]) => ({ ...record, headers }));
    const event = fc
      .array(fc.oneof(candidate, withHeaders, fc.constant(pipeRecord({ b: 2 }, { key: 'k' }))), {
        maxLength: 4,
      })
      .map((records) => JSON.parse(JSON.stringify(records)) as Record<string, unknown>[]);
    fc.assert(
      fc.property(event, (e) => {
        let decoded: ReturnType<typeof decodeKafkaEvent>;
        try {
          decoded = decodeKafkaEvent(e);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidEventError);
          return;
        }
        expect(decoded).toHaveLength(e.length);
        decoded.forEach((r, i) => {
          const headers = e[i]?.headers as Record<string, unknown>[] | undefined;
          expect(r.rawHeaders).toStrictEqual(headers);
          const names = new Set((headers ?? []).flatMap((h) => Object.keys(h)));
          expect(Object.keys(r.headers).sort()).toEqual([...names].sort());
        });
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 500) },
    );
  });

  it('accepts the records Pipes and buildPipeKafkaRecord produce', () => {
    expect(decodeKafkaEvent([pipeRecord({ a: 1 }, { key: 'k' })])).toHaveLength(1);
    expect(decodeKafkaEvent([pipeRecord(null, { msk: true, offset: '9007199254740993' })])[0]?.offset).toBe(
      '9007199254740993',
    );
  });
});

describe('pipeInputOf (records read from Kafka → Pipe record input)', () => {
  it('keeps coordinates, timestamp (as a number), type, bytes and repeated headers in wire order', () => {
    // Arrange
    const read = {
      topic: 'orders',
      partition: 2,
      offset: '9007199254740993',
      timestamp: '1700000000123',
      timestampType: 'LOG_APPEND_TIME',
      key: Buffer.from('k'),
      value: Buffer.from('{"a":1}'),
      headers: [
        { name: 'h', value: Buffer.from('1') },
        { name: 'x', value: Buffer.from('2') },
        { name: 'h', value: Buffer.from('3') },
      ],
    };
    // Act
    const input = pipeInputOf(read, { eventSource: 'SelfManagedKafka', cluster: SMK_CLUSTER });
    const record = buildPipeKafkaRecord(input);
    // Assert
    expect(input).toEqual({
      eventSource: 'SelfManagedKafka',
      cluster: SMK_CLUSTER,
      topic: 'orders',
      partition: 2,
      offset: '9007199254740993',
      timestamp: 1_700_000_000_123,
      timestampType: 'LOG_APPEND_TIME',
      key: read.key,
      value: read.value,
      headers: [
        { key: 'h', value: read.headers[0]?.value },
        { key: 'x', value: read.headers[1]?.value },
        { key: 'h', value: read.headers[2]?.value },
      ],
    });
    expect(record).toMatchObject({
      topic: 'orders',
      partition: '2', // the self-managed Pipe shape (Pipes Kafka source event)
      offset: '9007199254740993',
      timestamp: 1_700_000_000_123,
      timestampType: 'LOG_APPEND_TIME',
      headers: [{ h: [49] }, { x: [50] }, { h: [51] }],
    });
  });
});

describe('eventSourceOfCluster', () => {
  it.each([
    [MSK_ARN, 'aws:kafka'],
    ['b1:9092,b2:9092', 'SelfManagedKafka'],
  ])('%s → %s', (cluster, eventSource) => {
    expect(eventSourceOfCluster(cluster)).toBe(eventSource);
  });
});
