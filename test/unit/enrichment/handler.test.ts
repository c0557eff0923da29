import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import { createEnrichmentHandler, type EnrichmentMetrics } from '../../../enrichment/create-handler.js';
import { DEFAULT_RULES, type DlqEntry, InvalidEventError } from '../../../enrichment/index.js';
import { createRulesLoader } from '../../../enrichment/rules-loader.js';
import { apicEvent, defaultRules, FIXED_NOW, pipeRecord } from './support.js';

async function setup(dlqFails = false) {
  const logs: string[] = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    logs.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  };
  const logger = { info: at('info'), warn: at('warn'), error: at('error') };
  const sent: DlqEntry[] = [];
  const metrics: { dims: Record<string, string>[]; values: Record<string, number>; published: number } = {
    dims: [],
    values: {},
    published: 0,
  };
  const metricsPort: EnrichmentMetrics = {
    addDimensions: (d) => metrics.dims.push(d),
    addMetric: (name, _unit, value) => {
      metrics.values[name] = value;
    },
    publishStoredMetrics: () => {
      metrics.published++;
    },
  };
  const handler = createEnrichmentHandler({
    sourceName: 'apic-onprem',
    partitionKey: { type: 'record-key' },
    rules: await createRulesLoader({ bundled: DEFAULT_RULES, logger }),
    dlq: {
      send: async (entries) => {
        if (dlqFails) throw new RetriableError('dlq send failed: connect ECONNREFUSED');
        sent.push(...entries);
      },
    },
    logger,
    metrics: metricsPort,
    now: FIXED_NOW,
  });
  return { handler, logs, sent, metrics };
}

const SECRET_TEXT = 'do-not-log-this-payload';

describe('enrichment handler', () => {
  it('returns canonical records, sends bad ones to the DLQ, emits metrics and logs no payloads', async () => {
    // Arrange
    const { handler, logs, sent, metrics } = await setup();
    const event = [
      pipeRecord({ ...apicEvent(), request_body: SECRET_TEXT }, { offset: '1', key: 'k' }),
      pipeRecord(`{"broken": "${SECRET_TEXT}"`, { offset: '2' }),
      pipeRecord({ ...apicEvent(), api_name: 'healthcheck' }, { offset: '3' }),
    ];

    // Act
    const records = await handler(event);

    // Assert
    expect(records.map((r) => r.kafka.offset)).toEqual(['1', '3']);
    expect(sent.map((d) => [d.offset, d.reason.split(':')[0]])).toEqual([['2', 'invalid-json']]);
    expect(metrics.dims).toEqual([{ source: 'apic-onprem', ruleVersion: defaultRules.ruleVersion }]);
    expect(metrics.values).toEqual({ RecordsIn: 3, RecordsOut: 2, DroppedByRule: 0, SentToDlq: 1 });
    expect(metrics.published).toBe(1);
    expect(logs.join('\n')).not.toContain(SECRET_TEXT);
    expect(logs.join('\n')).not.toContain('203.0.113.42');
    expect(logs[0]).toBe(
      'warn records sent to dlq {"ruleVersion":"' +
        defaultRules.ruleVersion +
        '","records":[{"topic":"apic-events","partition":0,"offset":"2","reason":"invalid-json"}]}',
    );
  });

  it('returns [] for an empty batch', async () => {
    const { handler, metrics } = await setup();
    expect(await handler([])).toEqual([]);
    expect(metrics.values).toEqual({ RecordsIn: 0, RecordsOut: 0, DroppedByRule: 0, SentToDlq: 0 });
  });

  it('throws InvalidEventError for a malformed event', async () => {
    const { handler } = await setup();
    await expect(handler({ nope: true })).rejects.toBeInstanceOf(InvalidEventError);
  });

  it('throws RetriableError when the DLQ cannot take the bad records, so the Pipe retries the batch', async () => {
    const { handler } = await setup(true);
    await expect(handler([pipeRecord('not json')])).rejects.toThrow(
      new RetriableError('dlq send failed: connect ECONNREFUSED'),
    );
  });
});
