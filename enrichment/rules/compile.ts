import { createHash, createHmac } from 'node:crypto';
import { compileJmespath, jmespathTruthy } from '../jmespath.js';
import type { JsonObject, JsonValue } from '../normalize.js';
import type { RuleOperation, Rules } from './schema.js';

/** Default replacement text of `redact` with `mode: mask`. */
export const DEFAULT_MASK = '****';
/** Hex characters of the content hash in `ruleVersion`. */
const CONTENT_HASH_CHARS = 12;

/** What applying the rules to one record decided. */
export type RuleOutcome =
  | { readonly outcome: 'keep' }
  | { readonly outcome: 'drop'; readonly ruleId: string }
  | { readonly outcome: 'error'; readonly ruleId: string; readonly message: string };

/** Rules ready to apply: validated, expressions checked, HMAC key bound. */
export interface CompiledRules {
  readonly name: string;
  readonly version: string;
  /** `name@version+<12 hex of sha-256 of the validated document>`; written in every record and DLQ entry. */
  readonly ruleVersion: string;
  /** Operation ids in order (for per-rule counts). */
  readonly ruleIds: readonly string[];
  /** The validated document. */
  readonly source: Rules;
  /**
   * Applies the operations in order to a canonical record, mutating it. `applied` receives the index of
   * each operation that changed the record (or matched, for drop). Never throws.
   */
  apply(record: JsonObject, applied?: (index: number) => void): RuleOutcome;
}

/** Options of {@link compileRules}. */
export interface CompileRulesOptions {
  /** HMAC key for `redact` with `mode: hash` (resolved from the secret named by `hmacKey`). */
  readonly hmacKey?: string | Uint8Array;
}

function splitPath(path: string): string[] {
  // kafka.headers is one writable root: keep the two first segments apart like any other.
  return path.split('.');
}

/** What {@link getAt} returns when the path does not exist (no JSON value is this object). */
const MISSING: unique symbol = Symbol('missing');

/** The value at a path, or MISSING (a path through a non-object is missing too). */
function getAt(root: JsonObject, segs: readonly string[], end = segs.length): JsonValue | typeof MISSING {
  let cur: JsonValue = root;
  for (let i = 0; i < end; i++) {
    const s = segs[i] as string;
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, s))
      return MISSING;
    cur = (cur as JsonObject)[s] as JsonValue;
  }
  return cur;
}

function defineOwn(obj: JsonObject, key: string, value: JsonValue): void {
  // Plain assignment is much faster; only "__proto__" needs defineProperty to stay an own data property.
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Sets a value, creating intermediate objects; returns an error message when a parent is not an object. */
function setAt(root: JsonObject, segs: readonly string[], value: JsonValue): string | null {
  let cur: JsonObject = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const s = segs[i] as string;
    const next: JsonValue | undefined = Object.hasOwn(cur, s) ? cur[s] : undefined;
    if (next === undefined || next === null) {
      const created: JsonObject = {};
      defineOwn(cur, s, created);
      cur = created;
    } else if (typeof next === 'object' && !Array.isArray(next)) {
      cur = next;
    } else {
      return `cannot write ${segs.join('.')}: ${segs.slice(0, i + 1).join('.')} is not an object`;
    }
  }
  defineOwn(cur, segs[segs.length - 1] as string, value);
  return null;
}

function deleteAt(root: JsonObject, segs: readonly string[]): boolean {
  const obj = getAt(root, segs, segs.length - 1);
  const last = segs[segs.length - 1] as string;
  if (
    obj === MISSING ||
    obj === null ||
    typeof obj !== 'object' ||
    Array.isArray(obj) ||
    !Object.hasOwn(obj, last)
  )
    return false;
  delete (obj as JsonObject)[last];
  return true;
}

/** Stable JSON (sorted keys) used for the content hash. */
function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}

/**
 * Computes `ruleVersion` = `name@version+<first 12 hex of sha-256 of the document with sorted keys>`,
 * so two different documents under the same name and version are still told apart.
 *
 * @example ruleVersionOf(rules) // → 'api-connect-default@1.0.0+3f9a0c12be47'
 */
export function ruleVersionOf(rules: Rules): string {
  const hash = createHash('sha256').update(stableStringify(rules)).digest('hex').slice(0, CONTENT_HASH_CHARS);
  return `${rules.name}@${rules.version}+${hash}`;
}

type Step = (record: JsonObject) => 'changed' | 'unchanged' | 'drop' | { error: string };
type OpOf<K extends RuleOperation['op']> = Extract<RuleOperation, { op: K }>;
type HmacKey = string | Uint8Array | undefined;

function renameStep(op: OpOf<'rename'>): Step {
  const from = splitPath(op.from);
  const to = splitPath(op.to);
  return (r) => {
    const got = getAt(r, from);
    if (got === MISSING) return 'unchanged';
    const err = setAt(r, to, got);
    if (err !== null) return { error: err };
    deleteAt(r, from);
    return 'changed';
  };
}

function setStep(op: OpOf<'set'>): Step {
  const segs = splitPath(op.field);
  if (op.expr !== undefined) {
    const expr = compileJmespath(op.expr);
    return (r) => {
      const v = expr(r) as JsonValue | undefined;
      // Objects are copied so a later operation on one place cannot change the other (and a
      // cyclic result fails here, as a rule error, not later at serialization).
      const value =
        v === undefined
          ? null
          : typeof v === 'object' && v !== null
            ? (JSON.parse(JSON.stringify(v)) as JsonValue)
            : v;
      const err = setAt(r, segs, value);
      return err === null ? 'changed' : { error: err };
    };
  }
  const json = JSON.stringify(op.value as JsonValue);
  return (r) => {
    const err = setAt(r, segs, JSON.parse(json) as JsonValue);
    return err === null ? 'changed' : { error: err };
  };
}

function removeStep(op: OpOf<'remove'>): Step {
  const segs = splitPath(op.field);
  return (r) => (deleteAt(r, segs) ? 'changed' : 'unchanged');
}

function redactStep(op: OpOf<'redact'>, hmacKey: HmacKey): Step {
  const segs = splitPath(op.field);
  const replace =
    op.mode === 'hash'
      ? hashReplacement(hmacKey)
      : maskReplacement(op.mask ?? DEFAULT_MASK, op.keepLast ?? 0);
  return (r) => {
    const got = getAt(r, segs);
    if (got === MISSING || got === null || got === '') return 'unchanged';
    setAt(r, segs, replace(got));
    return 'changed';
  };
}

function hashReplacement(key: HmacKey): (v: JsonValue) => string {
  if (key === undefined) throw new Error('redact mode hash needs an HMAC key');
  return (v) =>
    createHmac('sha256', key)
      .update(typeof v === 'string' ? v : JSON.stringify(v))
      .digest('hex');
}

function maskReplacement(mask: string, keepLast: number): (v: JsonValue) => string {
  return (v) =>
    mask + (keepLast > 0 && typeof v === 'string' && v.length > keepLast ? v.slice(-keepLast) : '');
}

function tagStep(op: OpOf<'tag'>): Step {
  const tag = op.tag;
  return (r) => {
    const tags = r.tags as JsonValue[];
    if (tags.includes(tag)) return 'unchanged';
    tags.push(tag);
    return 'changed';
  };
}

function routeStep(op: OpOf<'route'>): Step {
  const route = op.route;
  return (r) => {
    r.route = route;
    return 'changed';
  };
}

function compileStep(op: RuleOperation, hmacKey: HmacKey): Step {
  switch (op.op) {
    case 'rename':
      return renameStep(op);
    case 'set':
      return setStep(op);
    case 'remove':
      return removeStep(op);
    case 'redact':
      return redactStep(op, hmacKey);
    case 'drop':
      return () => 'drop';
    case 'tag':
      return tagStep(op);
    case 'route':
      return routeStep(op);
  }
}

/**
 * Compiles validated rules into a function applied to each canonical record.
 * Throws when the rules use `redact` with `mode: hash` and no HMAC key is given (configuration fault).
 */
export function compileRules(rules: Rules, options: CompileRulesOptions = {}): CompiledRules {
  const ids = rules.operations.map((op, i) => op.id ?? `${i}-${op.op}`);
  const steps = rules.operations.map((op) => {
    const step = compileStep(op, options.hmacKey);
    if (op.when === undefined) return step;
    const when = compileJmespath(op.when);
    return ((r: JsonObject) => (jmespathTruthy(when(r)) ? step(r) : 'unchanged')) as Step;
  });
  return {
    name: rules.name,
    version: rules.version,
    ruleVersion: ruleVersionOf(rules),
    ruleIds: ids,
    source: rules,
    apply(record, applied) {
      for (let i = 0; i < steps.length; i++) {
        let result: ReturnType<Step>;
        try {
          result = (steps[i] as Step)(record);
        } catch (err) {
          return { outcome: 'error', ruleId: ids[i] as string, message: (err as Error).message };
        }
        if (result === 'unchanged') continue;
        if (typeof result === 'object')
          return { outcome: 'error', ruleId: ids[i] as string, message: result.error };
        applied?.(i);
        if (result === 'drop') return { outcome: 'drop', ruleId: ids[i] as string };
      }
      return { outcome: 'keep' };
    },
  };
}
