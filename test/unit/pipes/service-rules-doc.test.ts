/** docs/sources.md lists every registered AWS service rule with its page, so the list stays complete. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POLLER_RULES } from '../../../fallback-poller/poller-limits.js';
import { AUTH_KINDS, SOURCE_KIND_MODULES, TARGET_KINDS } from '../../../pipes/kinds/registry.js';
import { RECORD_FORMAT_RULES } from '../../../pipes/record-formats.js';
import { secretArnRule } from '../../../pipes/secret-refs.js';

const doc = readFileSync('docs/sources.md', 'utf8');
const rules = [
  ...[...SOURCE_KIND_MODULES, ...AUTH_KINDS, ...TARGET_KINDS].flatMap((k) => k.rules),
  ...RECORD_FORMAT_RULES,
  ...POLLER_RULES,
  secretArnRule,
];
/** The "AWS service rules" section, up to the next heading. */
const section = doc.slice(
  doc.indexOf('### AWS service rules'),
  doc.indexOf('\n#', doc.indexOf('### AWS service rules') + 1),
);
const ruleRows = new Map(
  section
    .split('\n')
    .filter((line) => /^\| `[a-z0-9-]+` \|/.test(line))
    .map((line) => [line.slice(3, line.indexOf('`', 3)), line]),
);

describe('docs/sources.md service rule table', () => {
  it('has a row for every registered rule, naming its page (or "same page" after a row that does)', () => {
    expect(rules.length).toBeGreaterThan(0);
    const ids = [...new Set(rules.map((r) => r.id))];
    for (const id of ids) {
      const row = ruleRows.get(id);
      expect(row, `no row for ${id}`).toBeDefined();
      const rule = rules.find((r) => r.id === id);
      const page = rule?.doc ?? '';
      expect(row?.includes(`](${page})`) || row?.includes('| same page |'), `${id} row names ${page}`).toBe(
        true,
      );
    }
  });

  it('lists no rule that is not registered', () => {
    const ids = new Set(rules.map((r) => r.id));
    expect(ruleRows.size).toBeGreaterThan(0);
    expect([...ruleRows.keys()].filter((id) => !ids.has(id))).toEqual([]);
  });
});
