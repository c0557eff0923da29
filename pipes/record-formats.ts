/**
 * What a source's `value` and `key` blocks (enrichment/formats/) ask of the function that decodes its
 * records (the enrichment Lambda, or the fallback poller): the environment it reads them from, and the
 * grants its role needs — the registry module's own grants, and `secretsmanager:GetSecretValue` on the
 * secrets it names (full ARNs). Runtime-safe: plain data, turned into CDK values by the constructs.
 */
import {
  type FormatSettings,
  findRegistry,
  findSchemaLanguage,
  type KeyFormatName,
  type RegistrySettings,
  SCHEMA_LANGUAGES,
  SCHEMA_REGISTRIES,
  type ValueFormatName,
} from '../enrichment/formats/registry.js';
import { registryBlocksOf } from '../enrichment/formats/registry-vpc.js';
import type { GrantContext, SchemaRegistryModule } from '../enrichment/formats/schema-types.js';
import type { GrantSpec, ServiceRule } from './kinds/types.js';
import type { SourceConfig } from './source-schema.js';

type Formats = Partial<Pick<SourceConfig, 'value' | 'key'>>;

/** The value and key blocks of a source, defaults applied (JSON values, text keys). */
export function recordFormatsOf(source: Formats): {
  readonly value: FormatSettings<ValueFormatName>;
  readonly key: FormatSettings<KeyFormatName>;
} {
  return { value: source.value ?? { format: 'json' }, key: source.key ?? { format: 'text' } };
}

export { registryVpcOf } from '../enrichment/formats/registry-vpc.js';

/** The registries a source reads (value registry, value fallback registry, key registry). */
export function registriesOf(formats: Formats): RegistrySettings[] {
  return registryBlocksOf(formats).map((b) => b.settings as RegistrySettings);
}

function moduleOf(settings: RegistrySettings): SchemaRegistryModule {
  return findRegistry(settings.type) as SchemaRegistryModule;
}

/** VALUE_FORMAT / VALUE_REGISTRY / VALUE_FALLBACK / KEY_FORMAT / KEY_REGISTRY of a source (defaults left out). */
export function recordFormatsEnv(source: Formats): Record<string, string> {
  const { value, key } = recordFormatsOf(source);
  const fallback = value.fallback;
  return {
    ...(value.format !== 'json' ? { VALUE_FORMAT: value.format } : {}),
    ...(value.registry ? { VALUE_REGISTRY: JSON.stringify(value.registry) } : {}),
    ...(fallback !== undefined
      ? { VALUE_FALLBACK: typeof fallback === 'string' ? fallback : JSON.stringify(fallback) }
      : {}),
    ...(key.format !== 'text' ? { KEY_FORMAT: key.format } : {}),
    ...(key.registry ? { KEY_REGISTRY: JSON.stringify(key.registry) } : {}),
  };
}

/** The grants of the decoding function's role: each registry's, and reading the secrets they name. */
export function recordFormatsGrants(source: Formats, context: GrantContext): GrantSpec[] {
  const grants = new Map<string, GrantSpec>();
  const secrets = new Set<string>();
  for (const settings of registriesOf(source)) {
    const module = moduleOf(settings);
    for (const grant of module.grants(settings, context)) {
      // Two registries granting the same statement (value and key in one registry): one statement, both resources.
      const known = grants.get(grant.sid);
      const resources = [...new Set([...(known?.resources ?? []), ...grant.resources])];
      grants.set(grant.sid, { ...grant, resources });
    }
    for (const arn of module.secrets(settings)) secrets.add(arn);
  }
  const out = [...grants.values()];
  if (secrets.size > 0) {
    out.push({
      sid: 'ReadSchemaRegistrySecrets',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [...secrets].sort(),
    });
  }
  return out;
}

/** The AWS service rules of the value's schema format and of the registries a source reads. */
export function recordFormatsRules(source: Formats): ServiceRule[] {
  const types = new Set(registriesOf(source).map((r) => r.type));
  return [
    ...(findSchemaLanguage(recordFormatsOf(source).value.format)?.rules ?? []),
    ...SCHEMA_REGISTRIES.filter((r) => types.has(r.type)).flatMap((r) => r.rules),
  ];
}

/** Every rule of the schema formats and registries (for the docs table). */
export const RECORD_FORMAT_RULES: readonly ServiceRule[] = [
  ...SCHEMA_LANGUAGES.flatMap((l) => l.rules),
  ...SCHEMA_REGISTRIES.flatMap((r) => r.rules),
];

/**
 * The npm packages of the schema formats a source does not use. Its Lambdas' bundles leave them out
 * (esbuild externals): the formats load their packages with a dynamic import on their first schema, which
 * a source in another format never reaches.
 */
export function unusedFormatPackages(source: Formats): string[] {
  const { value, key } = recordFormatsOf(source);
  const used = new Set<string>([value.format, key.format]);
  return SCHEMA_LANGUAGES.filter((l) => !used.has(l.format)).flatMap((l) => l.packages);
}
