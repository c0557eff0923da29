import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { canonicalJsonSchema } from '../canonical-schema.js';
import { parseRules } from '../rules/parse.js';
import { type Rules, rulesSchema } from '../rules/schema.js';
import { canonicalSchemaDoc } from './canonical-doc.js';

const enrichmentDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** JSON Schema of a rules document (draft 2020-12), used as the AppConfig JSON-schema validator. */
export function rulesJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://github.com/kafka-pipes-template/enrichment/rules.schema.json',
    title: 'Enrichment rules',
    ...(z.toJSONSchema(rulesSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>),
  };
}

/**
 * JSON Schema of a rules document in draft-04, the only draft AWS AppConfig's JSON-schema validator
 * accepts; the infrastructure attaches it to the rules configuration profile.
 */
export function rulesAppConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rulesSchema, { target: 'draft-4', io: 'input' }) as Record<string, unknown>;
}

/** Path of the generated default-rules module, relative to the repository root. */
export const DEFAULT_RULES_MODULE = 'enrichment/rules/default-rules.generated.ts';

/** The bundled default rules parsed from enrichment/rules/default.rules.yaml. */
export function defaultRulesFromYaml(): Rules {
  const defaultPath = join(enrichmentDir, 'rules', 'default.rules.yaml');
  return parseRules(readFileSync(defaultPath, 'utf8'), 'enrichment/rules/default.rules.yaml');
}

/**
 * Path (relative to the repository root) → content of every generated file. JSON files must match
 * byte for byte; the TS module is formatted by biome afterwards, so it is compared by value.
 */
export function generatedFiles(): Record<string, string> {
  const rules = defaultRulesFromYaml();
  const defaultModule = `// Generated from enrichment/rules/default.rules.yaml by enrichment/scripts/generate.ts. Do not edit.
import type { Rules } from './schema.js';

/** The bundled default rules (validated at generation time; the handler's fallback). */
export const DEFAULT_RULES: Rules = ${JSON.stringify(rules, null, 2)};
`;
  return {
    'enrichment/canonical.schema.json': `${JSON.stringify(canonicalJsonSchema(), null, 2)}\n`,
    'enrichment/rules/rules.schema.json': `${JSON.stringify(rulesJsonSchema(), null, 2)}\n`,
    'enrichment/rules/rules.appconfig.schema.json': `${JSON.stringify(rulesAppConfigJsonSchema(), null, 2)}\n`,
    [DEFAULT_RULES_MODULE]: defaultModule,
    'docs/canonical-schema.md': canonicalSchemaDoc(),
  };
}
