import type { ConfigIssue } from '../../core/errors.js';
import { type CompiledRules, type CompileRulesOptions, compileRules } from './compile.js';
import { validateRules } from './validate.js';

/** Result of {@link selectRules}. */
export type RulesSelection =
  | { readonly status: 'unchanged' | 'updated'; readonly rules: CompiledRules }
  | { readonly status: 'refused'; readonly rules: CompiledRules; readonly issues: readonly ConfigIssue[] };

/**
 * Decides which rules to use when a new rules document arrives (AppConfig): a candidate that fails
 * validation or compilation is refused and the last good rules are kept, with the reasons. A candidate
 * with the same ruleVersion as the last good one is `unchanged` (the compiled rules are reused).
 * Pure: no I/O.
 *
 * @example selectRules({doc: parsedJson, file: 'appconfig:app/env/profile'}, lastGood)
 */
export function selectRules(
  candidate: { readonly doc: unknown; readonly file: string },
  lastGood: CompiledRules,
  options: CompileRulesOptions = {},
): RulesSelection {
  const { rules, issues } = validateRules(candidate.doc, candidate.file);
  if (rules === null) return { status: 'refused', rules: lastGood, issues };
  let compiled: CompiledRules;
  try {
    compiled = compileRules(rules, options);
  } catch (err) {
    return {
      status: 'refused',
      rules: lastGood,
      issues: [
        {
          file: candidate.file,
          field: '<document>',
          message: (err as Error).message,
          fix: 'provide the HMAC key secret',
        },
      ],
    };
  }
  if (compiled.ruleVersion === lastGood.ruleVersion) return { status: 'unchanged', rules: lastGood };
  return { status: 'updated', rules: compiled };
}
