import { search } from '@aws-lambda-powertools/jmespath';
import { type Functions, PowertoolsFunctions } from '@aws-lambda-powertools/jmespath/functions';
import type { JSONObject } from '@aws-lambda-powertools/jmespath/types';
import { FAST_PATHS } from './fast-paths.js';
import { type CompiledExpression, compileFastJmespath } from './jmespath-fast.js';

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

const functions = new CachedFunctions();

/**
 * Evaluates a JMESPath expression (Powertools JMESPath; parsed expressions are cached by the library).
 * Throws the library's errors (syntax, unknown function, type errors).
 *
 * @example jmespathSearch("api.status.code >= `500`", record) // → true | false | null
 */
export function jmespathSearch(expression: string, data: unknown): unknown {
  return search(expression, data as JSONObject, { customFunctions: functions });
}

/**
 * The plain evaluation of an expression: Powertools JMESPath on every call, with `undefined` (what
 * Powertools gives for an ordering comparison on non-numbers) returned as null, as every caller
 * (rule conditions, `set`, partition-key fields) treats both alike.
 *
 * @example compilePlainJmespath("api.status.code >= `400`")(record) // → true | false | null
 */
export function compilePlainJmespath(expression: string): CompiledExpression {
  return (data) => jmespathSearch(expression, data) ?? null;
}

/**
 * Compiles an expression once: the common subset (paths, literals, comparisons, &&, ||, !) runs as
 * plain closures (jmespath-fast.ts), anything else through {@link compilePlainJmespath}. Both give the
 * same value for every expression of the subset (test/unit/enrichment/jmespath-fast.test.ts checks it
 * on random expressions and records).
 *
 * @example const isError = compileJmespath("api.status.code >= `400`"); isError(record)
 */
export function compileJmespath(expression: string): CompiledExpression {
  return (
    (FAST_PATHS.compiledJmespath ? compileFastJmespath(expression) : null) ?? compilePlainJmespath(expression)
  );
}
