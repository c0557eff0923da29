import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  compileRules,
  DEFAULT_RULES,
  enrichBatch,
  parseRules,
  ruleVersionOf,
} from '../../../enrichment/index.js';
import { FIXED_NOW, pipeRecord } from './support.js';

const HEAD = 'name: t\nversion: 1.0.0\n';

/** Runs one record through rules given as YAML operations and returns the outcome. */
function run(opsYaml: string, value: object, opts: { hmacKey?: string; head?: string } = {}) {
  const rules = compileRules(parseRules(`${opts.head ?? HEAD}operations:\n${opsYaml}`, 't.yaml'), {
    ...(opts.hmacKey ? { hmacKey: opts.hmacKey } : {}),
  });
  return enrichBatch([pipeRecord(value)], {
    rules,
    sourceName: 's',
    partitionKey: { type: 'topic-partition' },
    now: FIXED_NOW,
  });
}

const event = {
  api_name: 'orders',
  app_name: 'APP1',
  status_code: '503',
  client_ip: '203.0.113.42',
  time_to_serve_request: 90,
};

describe('rule operations', () => {
  it('rename moves a field, and is a no-op when the field is absent', () => {
    const out = run(
      '  - op: rename\n    from: api.app_name\n    to: attributes.application\n  - op: rename\n    from: api.nothing\n    to: attributes.x',
      event,
    );
    expect(out.records[0]?.attributes).toEqual({ application: 'APP1' });
    expect(out.records[0]?.api.app_name).toBeUndefined();
    expect(out.counts.perRule).toEqual({ '0-rename': 1 });
  });

  it('set writes a literal or a JMESPath result', () => {
    const out = run(
      '  - op: set\n    field: attributes.team\n    value: {name: payments, tier: 1}\n  - op: set\n    field: attributes.api_upper\n    expr: "join(\'-\', [api.api_name, api.app_name])"',
      event,
    );
    expect(out.records[0]?.attributes).toEqual({
      team: { name: 'payments', tier: 1 },
      api_upper: 'orders-APP1',
    });
  });

  it('remove deletes a field', () => {
    const out = run('  - op: remove\n    field: api.client_ip', event);
    expect(out.records[0]?.api).not.toHaveProperty('client_ip');
  });

  it.each([
    ['mode: mask', '****'],
    ['mode: mask\n    mask: "[ip]"\n    keepLast: 2', '[ip]42'],
  ])('redact %s', (mode, expected) => {
    const out = run(`  - op: redact\n    field: api.client_ip\n    ${mode}`, event);
    expect(out.records[0]?.api.client_ip).toBe(expected);
  });

  it('redact hash writes the hex HMAC-SHA256 under the injected key', () => {
    const out = run('  - op: redact\n    field: api.client_ip\n    mode: hash', event, {
      hmacKey: 'k3y',
      head: `${HEAD}hmacKey: {secretName: enrichment/hmac}\n`,
    });
    expect(out.records[0]?.api.client_ip).toBe(
      createHmac('sha256', 'k3y').update('203.0.113.42').digest('hex'),
    );
  });

  it('compileRules refuses hash redaction without a key', () => {
    const rules = parseRules(
      `${HEAD}hmacKey: {secretName: s}\noperations:\n  - op: redact\n    field: api.client_ip\n    mode: hash`,
      'r',
    );
    expect(() => compileRules(rules)).toThrow('redact mode hash needs an HMAC key');
  });

  it('drop counts the record as dropped (not output, not DLQ) when the condition holds', () => {
    const out = run('  - op: drop\n    when: "api.api_name == \'orders\'"', event);
    expect(out.counts).toMatchObject({ in: 1, out: 0, dropped: 1, dlq: 0, perRule: { '0-drop': 1 } });
  });

  it('drop leaves the record when the condition does not hold', () => {
    const out = run('  - op: drop\n    when: "api.api_name == \'health\'"', event);
    expect(out.counts).toMatchObject({ in: 1, out: 1, dropped: 0 });
  });

  it('tag adds once; route keeps the last match; when gates each operation', () => {
    const out = run(
      [
        '  - op: tag\n    tag: slow\n    when: "api.time_to_serve_request > `60`"',
        '  - op: tag\n    tag: slow',
        '  - op: tag\n    tag: fast\n    when: "api.time_to_serve_request < `60`"',
        '  - op: route\n    route: errors\n    when: "api.status.code >= `500`"',
        '  - op: route\n    route: unavailable\n    when: "api.status.code == `503`"',
      ].join('\n'),
      event,
    );
    expect(out.records[0]?.tags).toEqual(['slow']);
    expect(out.records[0]?.route).toBe('unavailable');
  });

  it('a rule that cannot apply to a record sends it to the DLQ with reason rule-error', () => {
    const out = run('  - id: into-string\n    op: set\n    field: api.api_name.sub\n    value: 1', event);
    expect(out.dlq.map((d) => d.reason)).toEqual([
      'rule-error: rule into-string failed: cannot write api.api_name.sub: api.api_name is not an object',
    ]);
  });

  it('a JMESPath run-time type error sends the record to the DLQ', () => {
    const out = run(
      '  - id: bad-type\n    op: set\n    field: attributes.x\n    expr: "length(api.time_to_serve_request)"',
      event,
    );
    expect(out.dlq).toHaveLength(1);
    expect(out.dlq[0]?.reason.startsWith('rule-error: rule bad-type failed: ')).toBe(true);
  });

  it('redact leaves absent, null and empty values alone', () => {
    const out = run('  - op: redact\n    field: api.request_body\n    mode: mask', {
      ...event,
      request_body: '',
    });
    expect(out.records[0]?.api.request_body).toBe('');
    expect(out.counts.perRule).toEqual({});
  });
});

describe('ruleVersion', () => {
  it('is name@version+12 hex of the content hash and changes with content', () => {
    const a = parseRules(`${HEAD}operations: []`, 'a');
    const b = parseRules(`${HEAD}operations:\n  - op: remove\n    field: api.x`, 'b');
    expect(ruleVersionOf(a)).toMatch(/^t@1\.0\.0\+[0-9a-f]{12}$/);
    expect(ruleVersionOf(a)).not.toBe(ruleVersionOf(b));
  });

  it('does not depend on key order in the document', () => {
    const a = parseRules(
      '{"name":"t","version":"1.0.0","operations":[{"op":"remove","field":"api.x"}]}',
      'a',
    );
    const b = parseRules(
      '{"operations":[{"field":"api.x","op":"remove"}],"version":"1.0.0","name":"t"}',
      'b',
    );
    expect(ruleVersionOf(a)).toBe(ruleVersionOf(b));
  });

  it('the bundled default rules compile', () => {
    expect(compileRules(DEFAULT_RULES).ruleVersion).toMatch(/^api-connect-default@1\.0\.0\+[0-9a-f]{12}$/);
  });
});
