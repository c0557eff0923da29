/**
 * Generates the files derived from code, checked by test/unit/enrichment/generated-files.test.ts:
 * - enrichment/canonical.schema.json (JSON Schema of the canonical record)
 * - enrichment/rules/rules.schema.json (JSON Schema of a rules document; also the AppConfig validator)
 * - enrichment/rules/default-rules.generated.ts (the bundled default rules, pre-parsed, so the Lambda
 *   needs no YAML parser; formatted with biome after writing)
 *
 * Run: `npx tsx enrichment/scripts/generate.ts` (or `--check` to fail when a file is stale).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_RULES } from '../rules/default-rules.generated.js';
import { DEFAULT_RULES_MODULE, defaultRulesFromYaml, generatedFiles } from './generated-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const [path, content] of Object.entries(generatedFiles())) {
  const abs = join(root, path);
  let current: string | null = null;
  try {
    current = readFileSync(abs, 'utf8');
  } catch {
    current = null;
  }
  const upToDate =
    path === DEFAULT_RULES_MODULE
      ? isDeepStrictEqual(DEFAULT_RULES, defaultRulesFromYaml())
      : current === content;
  if (upToDate) continue;
  if (check) {
    console.error(`${path} is out of date: run npx tsx enrichment/scripts/generate.ts`);
    stale++;
    continue;
  }
  writeFileSync(abs, content);
  if (path.endsWith('.ts'))
    execFileSync('npx', ['biome', 'format', '--write', abs], { cwd: root, stdio: 'ignore' });
  console.log(`wrote ${path}`);
}
process.exitCode = stale > 0 ? 1 : 0;
