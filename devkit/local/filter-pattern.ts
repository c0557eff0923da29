/**
 * EventBridge filter-pattern matching, the subset a source file's `filters` may use locally: exact
 * values (string, number, boolean, null), `prefix`, `suffix`, `numeric` ranges, `exists` and
 * `anything-but` (a value, a list of values, or `{prefix}`). Used by the local Pipe runner to apply a
 * Pipe's filters to Kafka records (filtered records are committed and not delivered; EventBridge Pipes
 * event filtering: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html).
 *
 * Semantics (EventBridge "Content filtering"): every field of a pattern object must match; a field's
 * pattern is a list of alternatives (any one matching is enough); when the event field is an array,
 * any element matching is enough; a nested pattern object needs an object in the event.
 */

/** A value in a filter pattern or an event (JSON). */
export type PatternJson = string | number | boolean | null | PatternJson[] | { [key: string]: PatternJson };

/** Raised when a pattern uses syntax the local runner does not emulate (the message names it). */
export class UnsupportedPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPatternError';
  }
}

const NUMERIC_OPERATORS = ['=', '<', '<=', '>', '>='] as const;
type NumericOperator = (typeof NUMERIC_OPERATORS)[number];

function isObject(v: unknown): v is Record<string, PatternJson> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compare(op: NumericOperator, actual: number, bound: number): boolean {
  switch (op) {
    case '=':
      return actual === bound;
    case '<':
      return actual < bound;
    case '<=':
      return actual <= bound;
    case '>':
      return actual > bound;
    case '>=':
      return actual >= bound;
  }
}

function matchesNumeric(spec: PatternJson, actual: PatternJson | undefined): boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0) {
    throw new UnsupportedPatternError(`numeric needs operator/value pairs, received ${JSON.stringify(spec)}`);
  }
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (!NUMERIC_OPERATORS.includes(op as NumericOperator) || typeof bound !== 'number') {
      throw new UnsupportedPatternError(
        `numeric operator ${JSON.stringify(op)} with ${JSON.stringify(bound)} is not supported`,
      );
    }
  }
  if (typeof actual !== 'number') return false;
  for (let i = 0; i < spec.length; i += 2) {
    if (!compare(spec[i] as NumericOperator, actual, spec[i + 1] as number)) return false;
  }
  return true;
}

function equalsLiteral(literal: PatternJson, actual: PatternJson | undefined): boolean {
  if (actual === undefined) return false;
  if (typeof literal === 'number') return typeof actual === 'number' && actual === literal;
  return literal === actual;
}

function matchesAnythingBut(spec: PatternJson, actual: PatternJson | undefined): boolean {
  if (actual === undefined) return false;
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    if (keys.length === 1 && typeof spec.prefix === 'string') {
      return typeof actual === 'string' && !actual.startsWith(spec.prefix);
    }
    throw new UnsupportedPatternError(
      `anything-but ${JSON.stringify(spec)} is not supported (use a value, a list or {prefix})`,
    );
  }
  const excluded = Array.isArray(spec) ? spec : [spec];
  return !excluded.some((e) => equalsLiteral(e, actual));
}

/** Whether one alternative of a field's list matches the (scalar) event value. `undefined` = absent. */
function matchesAlternative(alt: PatternJson, actual: PatternJson | undefined): boolean {
  if (!isObject(alt)) {
    if (Array.isArray(alt)) throw new UnsupportedPatternError('nested arrays are not valid in a pattern');
    return equalsLiteral(alt, actual);
  }
  const keys = Object.keys(alt);
  if (keys.length !== 1) {
    throw new UnsupportedPatternError(
      `a matcher object has exactly one operator, received ${JSON.stringify(alt)}`,
    );
  }
  const op = keys[0] as string;
  const spec = alt[op] as PatternJson;
  switch (op) {
    case 'exists':
      if (typeof spec !== 'boolean') throw new UnsupportedPatternError('exists takes true or false');
      return spec ? actual !== undefined : actual === undefined;
    case 'prefix':
      if (typeof spec !== 'string') throw new UnsupportedPatternError('prefix takes a string');
      return typeof actual === 'string' && actual.startsWith(spec);
    case 'suffix':
      if (typeof spec !== 'string') throw new UnsupportedPatternError('suffix takes a string');
      return typeof actual === 'string' && actual.endsWith(spec);
    case 'numeric':
      return matchesNumeric(spec, actual);
    case 'anything-but':
      return matchesAnythingBut(spec, actual);
    default:
      throw new UnsupportedPatternError(`operator "${op}" is not emulated by the local runner`);
  }
}

function matchesField(pattern: PatternJson, actual: PatternJson | undefined): boolean {
  if (isObject(pattern)) {
    if (!isObject(actual)) return false;
    return matchesObject(pattern, actual);
  }
  if (!Array.isArray(pattern)) {
    throw new UnsupportedPatternError(
      `a pattern field must be a list or an object, received ${JSON.stringify(pattern)}`,
    );
  }
  if (Array.isArray(actual)) {
    // exists:false never matches a present array; other matchers try each element.
    return pattern.some((alt) => actual.some((el) => matchesAlternative(alt, el)));
  }
  return pattern.some((alt) => matchesAlternative(alt, actual));
}

function matchesObject(pattern: Record<string, PatternJson>, event: Record<string, PatternJson>): boolean {
  for (const [field, fieldPattern] of Object.entries(pattern)) {
    const actual = Object.hasOwn(event, field) ? event[field] : undefined;
    if (!matchesField(fieldPattern, actual)) return false;
  }
  return true;
}

/**
 * Whether `event` matches the EventBridge `pattern`.
 * @throws UnsupportedPatternError for syntax outside the supported subset.
 * @example matchesPattern({ value: { status: [{ prefix: 'APP' }] } }, { value: { status: 'APP1' } }) // true
 */
export function matchesPattern(
  pattern: Record<string, PatternJson>,
  event: Record<string, PatternJson>,
): boolean {
  return matchesObject(pattern, event);
}

/**
 * Checks every pattern once (against an empty event and a sample), so unsupported syntax is reported
 * before the run starts instead of on the first record.
 * @throws UnsupportedPatternError naming the first unsupported construct.
 */
export function assertSupportedPatterns(patterns: readonly Record<string, PatternJson>[]): void {
  const walk = (p: PatternJson): void => {
    if (Array.isArray(p)) {
      for (const alt of p) matchesAlternative(alt, 'x');
      return;
    }
    if (isObject(p)) {
      for (const v of Object.values(p)) walk(v);
      return;
    }
    throw new UnsupportedPatternError(
      `a pattern field must be a list or an object, received ${JSON.stringify(p)}`,
    );
  };
  for (const p of patterns) walk(p);
}

/** The view of a Kafka record that Pipe filters see: the value parsed as JSON when it is JSON, the key as text. */
export interface FilterView {
  readonly value?: PatternJson;
  readonly key?: PatternJson;
}

/**
 * Builds the filter view of a record from its raw bytes: `value` is the parsed JSON when the bytes are
 * UTF-8 JSON, otherwise the UTF-8 text (which an object pattern cannot match), and is absent for a
 * non-UTF-8 or null value; `key` is the UTF-8 text of the key, absent when there is none.
 * (*Assumption, unverified against Pipes*: documented in docs/local-run.md.)
 */
export function filterView(key: Buffer | null, value: Buffer | null): FilterView {
  const view: { value?: PatternJson; key?: PatternJson } = {};
  const text = (b: Buffer): string | undefined => {
    const s = new TextDecoder('utf-8', { fatal: true });
    try {
      return s.decode(b);
    } catch {
      return undefined;
    }
  };
  if (value !== null) {
    const t = text(value);
    if (t !== undefined) {
      try {
        view.value = JSON.parse(t) as PatternJson;
      } catch {
        view.value = t;
      }
    }
  }
  if (key !== null) {
    const k = text(key);
    if (k !== undefined) view.key = k;
  }
  return view;
}

/**
 * Whether a record passes a Pipe's filters: no filters = everything passes; otherwise the record must
 * match at least one pattern (Pipes ORs its filter criteria).
 */
export function passesFilters(
  filters: readonly Record<string, PatternJson>[] | undefined,
  view: FilterView,
): boolean {
  if (!filters || filters.length === 0) return true;
  return filters.some((f) => matchesPattern(f, view as Record<string, PatternJson>));
}
