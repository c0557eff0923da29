import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../../core/errors.js';
import { parseRules } from '../../../enrichment/index.js';

const HEAD = 'name: x\nversion: 1.0.0\n';
const JMESPATH_FIX =
  'fix the expression (JMESPath: https://jmespath.org/specification.html; literals in backticks, strings in single quotes)';

function issuesOf(text: string): readonly ConfigIssue[] {
  try {
    parseRules(text, 'r.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const i = (field: string, message: string, fix: string): ConfigIssue => ({
  file: 'r.yaml',
  field,
  message,
  fix,
});

describe('parseRules validation reports every problem with file, field, value and fix', () => {
  it.each([
    [
      'bad name and version',
      'name: Bad Name\nversion: "1"\noperations: []',
      [
        i(
          'name',
          'must be lowercase letters, digits and dashes, received "Bad Name"',
          'use a name like api-connect-default',
        ),
        i(
          'version',
          'must be a semantic version like 1.0.0, received "1"',
          'use a version like 1.0.0 and bump it on every edit',
        ),
      ],
    ],
    [
      'unknown operation',
      `${HEAD}operations:\n  - op: explode\n    field: api.x`,
      [
        i(
          'operations[0].op',
          'unknown operation "explode"',
          'use one of: rename, set, remove, redact, drop, tag, route',
        ),
      ],
    ],
    [
      'read-only target path',
      `${HEAD}operations:\n  - op: rename\n    from: kafka.topic\n    to: api.t`,
      [
        i(
          'operations[0].from',
          'must be a dotted path under api., extra., attributes. or kafka.headers. (e.g. api.client_ip), received "kafka.topic"',
          'write a path like api.client_ip',
        ),
      ],
    ],
    [
      'set without value or expr',
      `${HEAD}operations:\n  - op: set\n    field: attributes.a`,
      [
        i(
          'operations[0].value',
          'needs exactly one of value or expr, received nothing',
          'keep either value (a literal) or expr',
        ),
      ],
    ],
    [
      'set with both value and expr',
      `${HEAD}operations:\n  - op: set\n    field: attributes.a\n    value: 1\n    expr: "a"`,
      [
        i(
          'operations[0].value',
          'needs exactly one of value or expr, received 1',
          'keep either value (a literal) or expr',
        ),
      ],
    ],
    [
      'JMESPath syntax error',
      `${HEAD}operations:\n  - op: drop\n    when: "api.status.code >= "`,
      [
        i(
          'operations[0].when',
          'invalid JMESPath expression "api.status.code >= ": Invalid jmespath expression: parse error at column 19, found unexpected end of expression (EOF) in expression: api.status.code >= ',
          JMESPATH_FIX,
        ),
      ],
    ],
    [
      'drop without condition',
      `${HEAD}operations:\n  - op: drop`,
      [i('operations[0].when', 'is required', 'add operations[0].when')],
    ],
    [
      'hash without hmacKey',
      `${HEAD}operations:\n  - op: redact\n    field: api.client_ip\n    mode: hash`,
      [
        i(
          'operations[0].mode',
          'mode hash needs a key, but the rules have no hmacKey',
          'add hmacKey: {secretName: <Secrets Manager secret name>} at the top level (keys are never inline)',
        ),
      ],
    ],
    [
      'inline HMAC key',
      `${HEAD}hmacKey: {value: abc}\noperations: []`,
      [
        i('hmacKey.secretName', 'is required', 'add hmacKey.secretName'),
        i(
          'hmacKey',
          'unknown key "value"',
          'keys are never inline: name the Secrets Manager secret with hmacKey.secretName',
        ),
      ],
    ],
    [
      'bad tag and unknown key',
      `${HEAD}operations:\n  - op: tag\n    tag: "has space"\n    colour: red`,
      [
        i(
          'operations[0].tag',
          'must be 1–64 characters [A-Za-z0-9:_.-], received "has space"',
          'change operations[0].tag',
        ),
        i('operations[0]', 'unknown key "colour"', 'remove colour (not a known key here)'),
      ],
    ],
    [
      'bad mode and keepLast',
      `${HEAD}operations:\n  - op: redact\n    field: api.client_ip\n    mode: blur\n    keepLast: 20`,
      [
        i(
          'operations[0].mode',
          'Invalid option: expected one of "mask"|"hash", received "blur"',
          'use mask or hash',
        ),
        i(
          'operations[0].keepLast',
          'Too big: expected number to be <=8, received 20',
          'change operations[0].keepLast',
        ),
      ],
    ],
    [
      'mask options on hash',
      `name: x\nversion: 1.0.0\nhmacKey: {secretName: k}\noperations:\n  - op: redact\n    field: api.client_ip\n    mode: hash\n    keepLast: 2`,
      [
        i(
          'operations[0].keepLast',
          'mask and keepLast only apply to mode mask',
          'remove it or use mode: mask',
        ),
      ],
    ],
    [
      'operations not a list',
      `${HEAD}operations: {}`,
      [i('operations', 'must be an array, received {}', 'change operations')],
    ],
    [
      'missing name and version plus unknown function',
      'operations:\n  - op: drop\n    when: "nope(x)"',
      [
        i('name', 'is required', 'add name'),
        i('version', 'is required', 'add version'),
        i(
          'operations[0].when',
          'invalid JMESPath expression "nope(x)": Unknown function: nope() in expression: nope(x)',
          JMESPATH_FIX,
        ),
      ],
    ],
    [
      'duplicate key',
      `${HEAD}name: y\noperations: []`,
      [
        i(
          '<document>',
          'not valid YAML or JSON: Map keys must be unique at line 3, column 1',
          'fix the syntax at that position',
        ),
      ],
    ],
    [
      'a list instead of a mapping',
      '- just a list',
      [
        i(
          '<document>',
          'must be an object, received ["just a list"]',
          'write a mapping with name, version and operations',
        ),
      ],
    ],
    [
      'an empty file',
      '',
      [
        i(
          '<document>',
          'must be an object, received null',
          'write a mapping with name, version and operations',
        ),
      ],
    ],
  ])('%s', (_name, text, expected) => {
    expect(issuesOf(text)).toEqual(expected);
  });

  it('formats the ConfigError message one issue per line', () => {
    expect(() => parseRules('name: Bad\nversion: 1.0.0\noperations: []', 'rules/custom.yaml')).toThrow(
      'Invalid rules file rules/custom.yaml:\nrules/custom.yaml: name: must be lowercase letters, digits and dashes, received "Bad". Fix: use a name like api-connect-default',
    );
  });

  it('accepts JSON text as well as YAML', () => {
    const rules = parseRules(
      '{"name":"j","version":"2.0.0","operations":[{"op":"remove","field":"api.request_body"}]}',
      'r.json',
    );
    expect(rules.operations).toEqual([{ op: 'remove', field: 'api.request_body' }]);
  });
});
