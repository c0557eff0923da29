import type * as z from 'zod/mini';
import type { ConfigIssue } from '../../core/errors.js';
import { jmespathSearch } from '../jmespath.js';
import { OPERATION_KINDS, type Rules, rulesSchema } from './schema.js';

const PREVIEW_MAX_CHARS = 60;

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > PREVIEW_MAX_CHARS ? `${text.slice(0, PREVIEW_MAX_CHARS)}…` : text;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '<document>' : out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function fixFor(issue: z.core.$ZodIssue, field: string, missing: boolean): string {
  const last = issue.path[issue.path.length - 1];
  if (issue.code === 'unrecognized_keys') {
    return issue.path[issue.path.length - 1] === 'hmacKey'
      ? 'keys are never inline: name the Secrets Manager secret with hmacKey.secretName'
      : `remove ${issue.keys.join(', ')} (not a known key here)`;
  }
  if (last === 'op') return `use one of: ${OPERATION_KINDS.join(', ')}`;
  if (missing) return `add ${field}`;
  if (field === '<document>') return 'write a mapping with name, version and operations';
  if (last === 'from' || last === 'to' || last === 'field') return 'write a path like api.client_ip';
  if (last === 'name') return 'use a name like api-connect-default';
  if (last === 'version') return 'use a version like 1.0.0 and bump it on every edit';
  if (last === 'mode') return 'use mask or hash';
  if (last === 'value' && issue.message.includes('exactly one'))
    return 'keep either value (a literal) or expr';
  return `change ${field}`;
}

function messageFor(issue: z.core.$ZodIssue, received: unknown, missing: boolean): string {
  if (missing) return 'is required';
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  if (issue.path[issue.path.length - 1] === 'op') {
    return `unknown operation ${preview(received)}`;
  }
  if (issue.code === 'invalid_type')
    return `must be ${article(issue.expected)}, received ${preview(received)}`;
  return `${issue.message}, received ${preview(received)}`;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Checks a JMESPath expression compiles; returns the parser message or null. */
export function jmespathSyntaxError(expression: string): string | null {
  try {
    jmespathSearch(expression, {});
    return null;
  } catch (err) {
    const name = (err as Error).name;
    if (
      name === 'LexerError' ||
      name === 'ParseError' ||
      name === 'IncompleteExpressionError' ||
      name === 'EmptyExpressionError' ||
      name === 'UnknownFunctionError'
    ) {
      return (err as Error).message;
    }
    // Type or arity errors on an empty document are run-time matters, not syntax.
    return null;
  }
}

/**
 * Validates a parsed rules document and returns all problems (zod shape + JMESPath syntax + key rules).
 * Pure: used by {@link parseRules}, by the AppConfig path and at synth time.
 */
export function validateRules(doc: unknown, file: string): { rules: Rules | null; issues: ConfigIssue[] } {
  const parsed = rulesSchema.safeParse(doc, { reportInput: true });
  const issues: ConfigIssue[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = formatPath(issue.path);
      const received = valueAt(doc, issue.path);
      const missing =
        received === undefined &&
        issue.code !== 'unrecognized_keys' &&
        !issue.message.includes('exactly one');
      issues.push({
        file,
        field,
        message: messageFor(issue, received, missing),
        fix: fixFor(issue, field, missing),
      });
    }
  }
  // Expression syntax and key presence are checked even when the shape has problems, so that the
  // author sees every problem at once.
  const ops = Array.isArray((doc as { operations?: unknown })?.operations)
    ? ((doc as { operations: unknown[] }).operations as Record<string, unknown>[])
    : [];
  ops.forEach((op, i) => {
    if (op === null || typeof op !== 'object') return;
    for (const key of ['when', 'expr'] as const) {
      const expr = op[key];
      if (typeof expr !== 'string' || expr === '') continue;
      const error = jmespathSyntaxError(expr);
      if (error !== null) {
        issues.push({
          file,
          field: `operations[${i}].${key}`,
          message: `invalid JMESPath expression ${preview(expr)}: ${error}`,
          fix: 'fix the expression (JMESPath: https://jmespath.org/specification.html; literals in backticks, strings in single quotes)',
        });
      }
    }
    const hmacKey = (doc as { hmacKey?: unknown })?.hmacKey;
    if (op.op === 'redact' && op.mode === 'hash' && hmacKey === undefined) {
      issues.push({
        file,
        field: `operations[${i}].mode`,
        message: 'mode hash needs a key, but the rules have no hmacKey',
        fix: 'add hmacKey: {secretName: <Secrets Manager secret name>} at the top level (keys are never inline)',
      });
    }
    if (op.op === 'redact' && op.mode === 'hash' && (op.mask !== undefined || op.keepLast !== undefined)) {
      issues.push({
        file,
        field: `operations[${i}].${op.mask !== undefined ? 'mask' : 'keepLast'}`,
        message: 'mask and keepLast only apply to mode mask',
        fix: 'remove it or use mode: mask',
      });
    }
  });
  return { rules: parsed.success && issues.length === 0 ? parsed.data : null, issues };
}
