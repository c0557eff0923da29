import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from '../../../enrichment/index.js';
import { defaultRulesFromYaml, generatedFiles } from '../../../enrichment/scripts/generated-files.js';

const root = new URL('../../../', import.meta.url);

describe('generated files are up to date (npx tsx enrichment/scripts/generate.ts)', () => {
  it.each([
    'enrichment/canonical.schema.json',
    'enrichment/rules/rules.schema.json',
    'enrichment/rules/rules.appconfig.schema.json',
    'docs/canonical-schema.md',
  ])('%s', (path) => {
    expect(readFileSync(new URL(path, root), 'utf8')).toBe(generatedFiles()[path]);
  });

  it('enrichment/rules/default-rules.generated.ts matches default.rules.yaml', () => {
    expect(DEFAULT_RULES).toEqual(defaultRulesFromYaml());
  });
});
