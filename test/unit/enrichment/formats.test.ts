import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import { createEnrichmentHandler } from '../../../enrichment/create-handler.js';
import {
  DEFAULT_FORMATS,
  DEFAULT_RULES,
  type DlqEntry,
  decodeKafkaEvent,
  enrichBatch,
  KEY_FORMATS,
  prepareFormats,
  prepareKafkaRecords,
  recordFormatsOf,
  VALUE_FORMATS,
  type ValueFormat,
} from '../../../enrichment/index.js';
import { createRulesLoader } from '../../../enrichment/rules-loader.js';
import { apicEvent, defaultRules, FIXED_NOW, pipeRecord } from './support.js';

const ctx = {
  rules: defaultRules,
  sourceName: 'fmt',
  partitionKey: { type: 'record-key' } as const,
  now: FIXED_NOW,
};

describe('the JSON value format', () => {
  it.each([
    [Buffer.from([0xc3, 0x28]), 'invalid-utf8: the value is not valid UTF-8'],
    [Buffer.from('{"a":'), 'invalid-json: '],
    [Buffer.from('[1]'), 'not-an-object: the value is an array, expected a JSON object'],
    [Buffer.from('null'), 'not-an-object: the value is null, expected a JSON object'],
    [Buffer.from('"text"'), 'not-an-object: the value is a string, expected a JSON object'],
  ])('refuses %s with its DLQ reason', (bytes, reason) => {
    const out = VALUE_FORMATS.json.decode(bytes);
    expect(out.ok).toBe(false);
    expect(out.ok ? '' : out.reason.startsWith(reason)).toBe(true);
  });

  it('decodes a JSON object', () => {
    expect(VALUE_FORMATS.json.decode(Buffer.from('{"a":[1,{"b":null}]}'))).toEqual({
      ok: true,
      event: { a: [1, { b: null }] },
    });
  });
});

describe('the text key format', () => {
  it('gives UTF-8 keys as text and no text for other bytes', () => {
    expect(KEY_FORMATS.text.decode(Buffer.from('order-42'))).toEqual({
      key: 'order-42',
      keyEncoding: 'utf8',
    });
    expect(KEY_FORMATS.text.decode(Buffer.from([0xff, 0xfe]))).toBeNull();
  });
});

describe('the format registry', () => {
  it('defaults to JSON values and text keys', () => {
    expect(DEFAULT_FORMATS).toEqual({ value: VALUE_FORMATS.json, key: KEY_FORMATS.text });
    expect(recordFormatsOf('json', 'text')).toEqual(DEFAULT_FORMATS);
  });
});

/** A value format of the test: `key=value;…` text, to show the record path takes the context's format. */
const pairsFormat: ValueFormat = {
  name: 'pairs',
  decode(bytes) {
    const event: Record<string, string> = {};
    for (const pair of bytes.toString('utf8').split(';')) {
      const [k, v] = pair.split('=');
      if (k === undefined || v === undefined)
        return { ok: false, reason: 'invalid-json: not key=value pairs' };
      event[k] = v;
    }
    return { ok: true, event };
  },
};

describe('the record path decodes through the context formats', () => {
  it('a non-JSON format gives the canonical record its JSON twin gives', () => {
    // Arrange
    const json = pipeRecord({ app_name: 'APP1', status_code: '503 Service Unavailable' }, { offset: '7' });
    const pairs = pipeRecord('app_name=APP1;status_code=503 Service Unavailable', { offset: '7' });

    // Act
    const fromJson = enrichBatch([json], ctx);
    const fromPairs = enrichBatch([pairs], { ...ctx, formats: { ...DEFAULT_FORMATS, value: pairsFormat } });

    // Assert
    expect(fromPairs.records).toHaveLength(1);
    expect(JSON.stringify(fromPairs.records)).toBe(JSON.stringify(fromJson.records));
  });

  it('a value the format refuses goes to the DLQ with the format reason and the raw bytes', () => {
    const out = enrichBatch([pipeRecord('no pairs here', { offset: '3' })], {
      ...ctx,
      formats: { ...DEFAULT_FORMATS, value: pairsFormat },
    });
    expect(out.dlq.map((e) => [e.offset, e.reason, e.value])).toEqual([
      ['3', 'invalid-json: not key=value pairs', Buffer.from('no pairs here').toString('base64')],
    ]);
  });
});

describe('a format with a batch preparation', () => {
  function preparing(prepare: (values: readonly Buffer[]) => Promise<void>): ValueFormat {
    return { name: 'prepared', decode: (b) => VALUE_FORMATS.json.decode(b), prepare };
  }

  it('prepareFormats hands it the values of the batch (tombstones and bad base64 left out)', async () => {
    const seen: string[] = [];
    const format = preparing(async (values) => {
      seen.push(...values.map((v) => v.toString('utf8')));
    });
    const records = decodeKafkaEvent([
      pipeRecord({ a: 1 }, { offset: '1' }),
      pipeRecord(null, { offset: '2' }),
      { ...pipeRecord({ a: 3 }, { offset: '3' }), value: '***' },
    ]);
    await prepareFormats(records, { ...ctx, formats: { ...DEFAULT_FORMATS, value: format } });
    expect(seen).toEqual(['{"a":1}']);
  });

  it('prepareKafkaRecords (the poller) hands it the values of consumed records', async () => {
    const seen: string[] = [];
    const format = preparing(async (values) => {
      seen.push(...values.map((v) => v.toString('utf8')));
    });
    const input = {
      eventSource: 'SelfManagedKafka',
      cluster: 'b:1',
      topic: 't',
      partition: 0,
      timestamp: 1,
      key: null,
    } as const;
    await prepareKafkaRecords(
      [
        { ...input, offset: '1', value: Buffer.from('{"a":1}') },
        { ...input, offset: '2', value: null },
        { ...input, offset: '3', value: '{"a":3}' },
      ],
      { ...ctx, formats: { ...DEFAULT_FORMATS, value: format } },
    );
    expect(seen).toEqual(['{"a":1}', '{"a":3}']);
  });

  it('the enrichment handler awaits it before the batch, and its failure fails the batch (no DLQ entry)', async () => {
    // Arrange
    const logger = { info: () => {}, warn: () => {}, error: () => {} };
    const sent: DlqEntry[] = [];
    const order: string[] = [];
    const handler = (prepare: () => Promise<void>) =>
      createEnrichmentHandler({
        sourceName: 'fmt',
        partitionKey: { type: 'record-key' },
        formats: {
          ...DEFAULT_FORMATS,
          value: {
            name: 'prepared',
            prepare,
            decode: (b) => {
              order.push('decode');
              return VALUE_FORMATS.json.decode(b);
            },
          },
        },
        rules: {
          current: async () => (await createRulesLoader({ bundled: DEFAULT_RULES, logger })).current(),
        },
        dlq: { send: async (entries) => void sent.push(...entries) },
        logger,
        metrics: { addDimensions: () => {}, addMetric: () => {}, publishStoredMetrics: () => {} },
        now: FIXED_NOW,
      });
    const event = [pipeRecord(apicEvent(), { offset: '1' }), pipeRecord('oops', { offset: '2' })];

    // Act
    const records = await handler(async () => void order.push('prepare'))(event);
    const failure = handler(async () => {
      throw new RetriableError('schema registry unreachable');
    })(event);

    // Assert
    expect(records).toHaveLength(1);
    expect(order).toEqual(['prepare', 'decode', 'decode']);
    await expect(failure).rejects.toThrow(RetriableError);
    expect(sent.map((e) => e.offset)).toEqual(['2']);
  });
});
