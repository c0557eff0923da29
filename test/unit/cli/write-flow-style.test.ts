/**
 * `--write` keeps the file's flow maps as docs/cli.md says (issue 17 item 9): a file writing
 * `{ type: mtls }` keeps the inner spaces (they were removed from every flow collection), one writing
 * `{type: mtls}` keeps none, and the maps --write adds follow the file's style.
 */
import { describe, expect, it } from 'vitest';
import { applySourceEdits, flowPadding } from '../../../cli/preflight/write-plan.js';

const FILE = 'pipes/sources/orders.yaml';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/orders/client-AbCdEf';
const edits = [
  { path: ['auth', 'secret'], value: ARN },
  { path: ['engine'], value: 'poller' },
  { path: ['poller', 'truststore'], value: { s3Key: 'truststores/orders.pem' } },
];

const file = (open: string, close: string) =>
  [
    '# orders',
    'name: orders # the name',
    'kind: self-managed',
    `brokers: ${open.replace('{', '[')}b1.corp:9093, b2.corp:9093${close.replace('}', ']')}`,
    'topic: orders',
    `auth: ${open}type: mtls, secret: kafka/orders/client${close}`,
    `target: ${open}type: kinesis, streamName: s1${close}`,
    'filters:',
    `  - value: ${open}status: [500]${close}`,
    '',
  ].join('\n');

describe('--write keeps the flow style of the file', () => {
  it('keeps padded flow maps padded, and pads the ones it adds', () => {
    // Arrange
    const text = file('{ ', ' }');
    // Act
    const written = applySourceEdits(text, FILE, edits);
    // Assert
    expect(written).toBe(
      [
        '# orders',
        'name: orders # the name',
        'kind: self-managed',
        'brokers: [ b1.corp:9093, b2.corp:9093 ]',
        'topic: orders',
        `auth: { type: mtls, secret: ${ARN} }`,
        'target: { type: kinesis, streamName: s1 }',
        'filters:',
        '  - value: { status: [ 500 ] }',
        'engine: poller',
        'poller:',
        '  truststore: { s3Key: truststores/orders.pem }',
        '',
      ].join('\n'),
    );
  });

  it('keeps tight flow maps tight', () => {
    // Act
    const written = applySourceEdits(file('{', '}'), FILE, edits);
    // Assert
    expect(written).toContain(`auth: {type: mtls, secret: ${ARN}}`);
    expect(written).toContain('brokers: [b1.corp:9093, b2.corp:9093]');
    expect(written).toContain('  truststore: {s3Key: truststores/orders.pem}');
  });

  it('decides by the style most flow collections use; comments do not count', () => {
    expect(flowPadding('a: { x: 1 }\nb: { y: 2 }\nc: [z]\n')).toBe(true);
    expect(flowPadding('a: {x: 1}\nb: [y]\nc: { z: 1 }\n')).toBe(false);
    expect(flowPadding('a: 1 # see { x }\nb: {}\n')).toBe(false);
  });
});
