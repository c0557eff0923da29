import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError, formatIssues } from '../../core/errors.js';
import type { Rules } from './schema.js';
import { validateRules } from './validate.js';

/**
 * Parses and validates a rules document (YAML or JSON text). Throws a ConfigError listing ALL problems,
 * each with file, field, received value and fix.
 *
 * @example parseRules('name: x\nversion: 1.0.0\noperations: []', 'x.rules.yaml')
 */
export function parseRules(text: string, file: string): Rules {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((e) => ({
      file,
      field: '<document>',
      message: `not valid YAML or JSON: ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
      fix: 'fix the syntax at that position',
    }));
    throw new ConfigError(`Invalid rules file ${file}:\n${formatIssues(issues)}`, issues);
  }
  const { rules, issues } = validateRules(document.toJS(), file);
  if (rules === null) throw new ConfigError(`Invalid rules file ${file}:\n${formatIssues(issues)}`, issues);
  return rules;
}

/** Reads and parses a rules file from disk (see {@link parseRules}). */
export async function loadRulesFile(path: string): Promise<Rules> {
  return parseRules(await readFile(path, 'utf8'), path);
}
