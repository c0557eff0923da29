import { search } from '@aws-lambda-powertools/jmespath';
import { type Functions, PowertoolsFunctions } from '@aws-lambda-powertools/jmespath/functions';
import type { JSONObject } from '@aws-lambda-powertools/jmespath/types';

/** A compiled expression: the value of the expression for a record. */
export type CompiledExpression = (data: unknown) => unknown;

const introspected = new WeakSet<object>();

/**
 * The JMESPath built-ins plus the Powertools functions (powertools_json, powertools_base64,
 * powertools_base64_gzip), with the function-name introspection done once: Powertools' interpreter
 * re-introspects its function table on every search, which dominated per-record rule cost.
 */
class CachedFunctions extends PowertoolsFunctions {
  override introspectMethods(scope?: Functions): Set<string> {
    if (introspected.has(this)) return this.methods;
    const methods = super.introspectMethods(scope);
    // Only the real instance is cached; the recursion also visits the prototypes.
    if (Object.getPrototypeOf(this) === CachedFunctions.prototype) introspected.add(this);
    return methods;
  }
}

/** The search options, made once: every search passes the same functions. */
const options = { customFunctions: new CachedFunctions() };

/**
 * Evaluates a JMESPath expression (Powertools JMESPath; parsed expressions are cached by the library).
 * Throws the library's errors (syntax, unknown function, type errors).
 *
 * @example jmespathSearch("api.status.code >= `500`", record) // → true | false | null
 */
export function jmespathSearch(expression: string, data: unknown): unknown {
  return search(expression, data as JSONObject, options);
}

/**
 * An expression ready to evaluate on records: Powertools JMESPath on every call, with `undefined` (what
 * Powertools gives for an ordering comparison on non-numbers) returned as null, as every caller (rule
 * conditions, `set`, partition-key fields) treats both alike.
 *
 * @example const isError = compileJmespath("api.status.code >= `400`"); isError(record) // → true | false | null
 */
export function compileJmespath(expression: string): CompiledExpression {
  return (data) => jmespathSearch(expression, data) ?? null;
}

/** JMESPath truthiness (as Powertools applies it): false, null, "", [] and {} are false; every number is true. */
export function jmespathTruthy(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return false;
}
