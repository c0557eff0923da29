import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DlqMessage, parseDlqMessage, reasonOf, summarize } from '../../../cli/dlq/messages.js';
import { planReplay } from '../../../cli/dlq/replay-plan.js';
import { pipeRecordFromEntry } from '../../../cli/dlq/reread.js';
import {
  compileRules,
  type DlqEntry,
  enrichBatch,
  eventIdOf,
  parseRules,
} from '../../../enrichment/index.js';
import { cli } from './run-cli.js';

const fixtures = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'dlq-messages.json'), 'utf8'),
) as {
  enrichment: DlqEntry[];
  sinkDestination: unknown;
  sinkClassic: unknown;
};

const msg = (body: unknown, i: number, attrs = {}): DlqMessage => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { messageId: `m${i}`, receiptHandle: `r${i}`, body: text, parsed: parseDlqMessage(text, attrs) };
};

describe('parseDlqMessage', () => {
  it.each([
    ['an enrichment entry', () => msg(fixtures.enrichment[0], 0), 'enrichment', 'invalid-json'],
    [
      'a Lambda on-failure destination record',
      () => msg(fixtures.sinkDestination, 1),
      'sink',
      'RetriableError',
    ],
    [
      'a classic Lambda DLQ message (payload body, error in attributes)',
      () =>
        msg(fixtures.sinkClassic, 2, {
          ErrorCode: { DataType: 'String', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: 'Task timed out' },
        }),
      'sink',
      '200',
    ],
    ['a body that is not JSON', () => msg('oops', 3), 'unknown', 'unparseable'],
    ['JSON of another kind', () => msg({ hello: 1 }, 4), 'unknown', 'unrecognized'],
  ])('reads %s', (_name, make, kind, reason) => {
    const m = make();
    expect(m.parsed.kind).toBe(kind);
    expect(reasonOf(m.parsed)).toBe(reason);
  });
});

describe('summarize', () => {
  it('groups by reason and topic/partition with offset ranges (offsets as big integers)', () => {
    // Arrange
    const messages = [...fixtures.enrichment.map((e, i) => msg(e, i)), msg(fixtures.sinkDestination, 9)];
    // Act
    const s = summarize('https://q', messages);
    // Assert
    expect(s).toEqual({
      queueUrl: 'https://q',
      total: 4,
      byKind: { enrichment: 3, sink: 1 },
      byReason: { 'invalid-json': 2, 'rule-error': 1, RetriableError: 1 },
      partitions: [
        { topic: 'apic', partition: 0, count: 2, minOffset: '9', maxOffset: '17' },
        { topic: 'apic', partition: 1, count: 2, minOffset: '5', maxOffset: '7' },
        {
          topic: 'apic',
          partition: 2,
          count: 1,
          minOffset: '18446744073709551610',
          maxOffset: '18446744073709551610',
        },
      ],
      ruleVersions: { 'r@1.0.0+aaaaaaaaaaaa': 2, 'r@1.0.1+bbbbbbbbbbbb': 1 },
      truncated: 1,
      records: 5,
      oldestFailedAt: '2024-05-01T09:59:00.000Z',
      newestFailedAt: '2024-05-01T10:00:06.000Z',
      examples: {
        'invalid-json': 'invalid-json: Unexpected token',
        'rule-error': 'rule-error: rule x failed: boom',
        RetriableError: 'RetriableError: 1 of 2 records not written',
      },
    });
  });
});

describe('pipeRecordFromEntry', () => {
  it('rebuilds the Pipe record so re-enrichment keeps the eventId', () => {
    // Arrange: a good value in a DLQ entry whose eventId is the real one.
    const value = Buffer.from(JSON.stringify({ app_name: 'shop', status_code: '200 OK' })).toString('base64');
    const entry: DlqEntry = {
      ...(fixtures.enrichment[0] as DlqEntry),
      eventId: eventIdOf('b1:9092', 'apic', 0, '17'),
      key: Buffer.from('k1').toString('base64'),
      value,
      headers: [{ name: 'trace', value: Buffer.from('t-1').toString('base64') }],
    };
    const rules = compileRules(parseRules('name: r\nversion: 1.0.0\noperations: []\n', 'r.yaml'));
    // Act
    const out = enrichBatch([pipeRecordFromEntry(entry)], {
      rules,
      sourceName: 'orders',
      partitionKey: { type: 'record-key' },
    });
    // Assert
    expect(out.dlq).toEqual([]);
    expect(out.records[0]).toMatchObject({
      eventId: entry.eventId,
      partitionKey: 'k1',
      kafka: {
        topic: 'apic',
        partition: 0,
        offset: '17',
        timestamp: '2024-05-01T10:00:00.000Z',
        headers: { trace: 't-1' },
      },
    });
  });

  it('keeps a null timestamp null', () => {
    const record = pipeRecordFromEntry(fixtures.enrichment[2] as DlqEntry);
    expect('timestamp' in record).toBe(false);
  });
});

describe('kafka-pipes dlq replay flags', () => {
  it.each([
    [
      ['https://sqs.local/1/q', '--stream', 's'],
      'error --rules: rules: replaying the enrichment DLQ re-runs the current rules, and none are known for a queue URL. ' +
        'Fix: pass --rules <file> (and --partition-key), or the source name instead of the queue URL (or --source <name>)\n',
    ],
    [
      ['https://sqs.local/1/q', '--queue', 'sink'],
      'error --stream: stream: the target stream is not known. Fix: pass --stream <name>, or a source name (with a queue URL: --source <name>) and --env <environment> (stream <streamName or name-events>-<env>)\n',
    ],
    [
      ['https://sqs.local/1/q', '--queue', 'both'],
      'error --queue: queue: must be enrichment or sink, received both. Fix: pass --queue enrichment (bad records) or --queue sink (failed target deliveries)\n',
    ],
    [
      ['https://sqs.local/1/q', '--queue', 'sink', '--stream', 's', '--rate', 'fast'],
      'error --rate: rate: must be a number of messages per second > 0, received fast. Fix: pass e.g. --rate 50\n',
    ],
  ])('names the flag, the field and the fix: %j', async (args, stderr) => {
    const run = await cli(['dlq', 'replay', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(stderr);
  });
});

describe('planReplay of an entry for one event of a newline-delimited value', () => {
  const rules = compileRules(parseRules('name: r\nversion: 1.0.0\noperations: []\n', 'r.yaml'));
  const enrich = { rules, partitionKey: { type: 'record-key' } as const };
  const entryFor = (value: string, eventIndex: number): DlqEntry => ({
    ...(fixtures.enrichment[0] as DlqEntry),
    cluster: 'b1:9092',
    topic: 'apic',
    partition: 0,
    offset: '17',
    eventId: eventIdOf('b1:9092', 'apic', 0, '17', eventIndex),
    eventIndex,
    value: Buffer.from(value).toString('base64'),
  });
  const plan = (entry: DlqEntry) =>
    planReplay(parseDlqMessage(JSON.stringify(entry), {}), enrich, undefined).act;

  it('delivers that event only, with its own eventId', () => {
    const entry = entryFor('{"api_name":"a"}\n{"api_name":"b"}\n{"api_name":"c"}', 1);
    const act = plan(entry);
    expect(act).toMatchObject({ action: 'deliver', detail: '1 record apic-0@17' });
    expect(act.action === 'deliver' && act.records).toEqual([
      expect.objectContaining({ eventId: entry.eventId, api: { api_name: 'b' } }),
    ]);
  });

  it('requeues it when that event still fails, even though the others succeed', () => {
    const act = plan(entryFor('{"api_name":"a"}\n{"bytes_sent":"x"}', 1));
    expect(act).toMatchObject({ action: 'requeue', entry: { eventIndex: 1 } });
  });

  it('fails when the value no longer holds several events (the eventId changed)', () => {
    const act = plan(entryFor('{"api_name":"a"}', 1));
    expect(act).toEqual({
      action: 'fail',
      detail: `eventId changed on replay (${eventIdOf('b1:9092', 'apic', 0, '17', 1)} → ${eventIdOf('b1:9092', 'apic', 0, '17')})`,
    });
  });
});
