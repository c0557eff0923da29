/**
 * The value and key formats, by the name a source's settings use. A self-describing format is one file in
 * this folder implementing format.ts ValueFormat or KeyFormat, plus one line in VALUE_FORMATS or
 * KEY_FORMATS. A registry-framed format is a schema language (schema-types.ts SchemaLanguage, one line in
 * SCHEMA_LANGUAGES) read through a schema registry (SchemaRegistryModule in `registries/`, one line in
 * SCHEMA_REGISTRIES); registry-format.ts joins them.
 */
import * as z from 'zod/mini';
import { avroLanguage } from './avro.js';
import type { KeyFormat, RecordFormats, ValueFormat } from './format.js';
import { jsonFormat } from './json.js';
import { jsonSchemaLanguage } from './json-schema.js';
import { protobufLanguage } from './protobuf.js';
import { confluentRegistry } from './registries/confluent.js';
import { glueRegistry } from './registries/glue.js';
import {
  type FallbackSide,
  type RegistrySide,
  registryKeyFormat,
  registryValueFormat,
} from './registry-format.js';
import { SchemaCache } from './schema-cache.js';
import type { RegistryDeps, SchemaLanguage, SchemaRegistryModule } from './schema-types.js';
import { textKeyFormat } from './text.js';

/** Self-describing value formats by name. */
export const VALUE_FORMATS = {
  json: jsonFormat,
} as const satisfies Record<string, ValueFormat>;

/** Self-describing key formats by name. */
export const KEY_FORMATS = {
  text: textKeyFormat,
} as const satisfies Record<string, KeyFormat>;

/** Schema languages of registry-framed values and keys. */
export const SCHEMA_LANGUAGES = [
  avroLanguage,
  protobufLanguage,
  jsonSchemaLanguage,
] as const satisfies readonly SchemaLanguage[];

/** Schema registries. */
export const SCHEMA_REGISTRIES = [glueRegistry, confluentRegistry] as const;

/** A schema language's format name (`avro`). */
export type SchemaFormatName = (typeof SCHEMA_LANGUAGES)[number]['format'];
/** The name of a value format. */
export type ValueFormatName = keyof typeof VALUE_FORMATS | SchemaFormatName;
/** The name of a key format. */
export type KeyFormatName = keyof typeof KEY_FORMATS | SchemaFormatName;
/** A registry type (`glue`). */
export type RegistryType = (typeof SCHEMA_REGISTRIES)[number]['type'];

const LANGUAGE_NAMES = SCHEMA_LANGUAGES.map((l) => l.format);
/** Every value format name (for schemas and messages). */
export const VALUE_FORMAT_NAMES = [...Object.keys(VALUE_FORMATS), ...LANGUAGE_NAMES] as [
  ValueFormatName,
  ...ValueFormatName[],
];
/** Every key format name. */
export const KEY_FORMAT_NAMES = [...Object.keys(KEY_FORMATS), ...LANGUAGE_NAMES] as [
  KeyFormatName,
  ...KeyFormatName[],
];
/** What a value not framed by the registry becomes: JSON, a DLQ entry, or a value framed by a second registry. */
export const FALLBACK_NAMES = ['json', 'dlq'] as const;

type RegistrySettingsSchema = (typeof SCHEMA_REGISTRIES)[number]['settings'];
/** The `registry` block: one member per registry type. */
export const registrySettings = z.discriminatedUnion(
  'type',
  SCHEMA_REGISTRIES.map((r) => r.settings) as unknown as [
    RegistrySettingsSchema,
    ...RegistrySettingsSchema[],
  ],
);
/** Settings of one registry. */
export type RegistrySettings = z.infer<typeof registrySettings>;
/** A fallback: `json`, `dlq`, or a second registry's settings. */
export const fallbackSettings = z.union([z.enum(FALLBACK_NAMES), registrySettings]);
/** Settings of a fallback. */
export type FallbackSettings = z.infer<typeof fallbackSettings>;

/** How one side of a record (value or key) is decoded. */
export interface FormatSettings<N extends string = string> {
  readonly format: N;
  readonly registry?: RegistrySettings;
  readonly fallback?: FallbackSettings;
}

/** Whether `name` is a value format. */
export function isValueFormatName(name: string): name is ValueFormatName {
  return (VALUE_FORMAT_NAMES as readonly string[]).includes(name);
}

/** Whether `name` is a key format. */
export function isKeyFormatName(name: string): name is KeyFormatName {
  return (KEY_FORMAT_NAMES as readonly string[]).includes(name);
}

/** The schema language of a format name, if it is registry-framed. */
export function findSchemaLanguage(format: string): SchemaLanguage | undefined {
  return SCHEMA_LANGUAGES.find((l) => l.format === format);
}

/** The module of a registry type. */
export function findRegistry(type: unknown): SchemaRegistryModule | undefined {
  return (SCHEMA_REGISTRIES as readonly SchemaRegistryModule[]).find((r) => r.type === type);
}

/** What a source gets when its settings name no format: JSON values, keys as text. */
export const DEFAULT_FORMATS: RecordFormats = { value: VALUE_FORMATS.json, key: KEY_FORMATS.text };

function sideOf(settings: RegistrySettings, deps: RegistryDeps): RegistrySide {
  const module = findRegistry(settings.type) as SchemaRegistryModule;
  return { module, client: module.client(settings, deps), cache: new SchemaCache() };
}

function fallbackOf(settings: FallbackSettings | undefined, deps: RegistryDeps): FallbackSide {
  if (settings === undefined) return 'dlq';
  return settings === 'json' || settings === 'dlq' ? settings : sideOf(settings, deps);
}

function registrySpec(settings: FormatSettings, deps: RegistryDeps) {
  const language = findSchemaLanguage(settings.format);
  if (language === undefined || settings.registry === undefined) {
    throw new Error(`format ${settings.format} needs a schema registry (registry: {type: …})`);
  }
  return {
    language,
    primary: sideOf(settings.registry, deps),
    fallback: fallbackOf(settings.fallback, deps),
  };
}

/**
 * The formats of a source, each with its own schema cache (one per Lambda container or poller).
 * @throws Error for a schema language without registry settings (the settings schemas refuse it first).
 */
export function createRecordFormats(
  value: FormatSettings<ValueFormatName>,
  key: FormatSettings<KeyFormatName>,
  deps: RegistryDeps = {},
): RecordFormats {
  return {
    value: value.format === 'json' ? VALUE_FORMATS.json : registryValueFormat(registrySpec(value, deps)),
    key: key.format === 'text' ? KEY_FORMATS.text : registryKeyFormat(registrySpec(key, deps)),
  };
}

/** The formats named by a source's settings, for self-describing formats (no registry). */
export function recordFormatsOf(value: ValueFormatName, key: KeyFormatName): RecordFormats {
  return createRecordFormats({ format: value }, { format: key });
}
