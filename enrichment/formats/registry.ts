/**
 * The value and key formats, by the name a source's settings use. A new format is one file in this
 * folder (implementing format.ts ValueFormat or KeyFormat) plus one line here.
 */
import type { KeyFormat, RecordFormats, ValueFormat } from './format.js';
import { jsonFormat } from './json.js';
import { textKeyFormat } from './text.js';

/** Value formats by name. */
export const VALUE_FORMATS = {
  json: jsonFormat,
} as const satisfies Record<string, ValueFormat>;

/** Key formats by name. */
export const KEY_FORMATS = {
  text: textKeyFormat,
} as const satisfies Record<string, KeyFormat>;

/** The name of a value format. */
export type ValueFormatName = keyof typeof VALUE_FORMATS;
/** The name of a key format. */
export type KeyFormatName = keyof typeof KEY_FORMATS;

/** What a source gets when its settings name no format: JSON values, keys as text. */
export const DEFAULT_FORMATS: RecordFormats = { value: VALUE_FORMATS.json, key: KEY_FORMATS.text };

/** Whether `name` is a value format of {@link VALUE_FORMATS}. */
export function isValueFormatName(name: string): name is ValueFormatName {
  return Object.hasOwn(VALUE_FORMATS, name);
}

/** Whether `name` is a key format of {@link KEY_FORMATS}. */
export function isKeyFormatName(name: string): name is KeyFormatName {
  return Object.hasOwn(KEY_FORMATS, name);
}

/** The formats named by a source's settings. */
export function recordFormatsOf(value: ValueFormatName, key: KeyFormatName): RecordFormats {
  return { value: VALUE_FORMATS[value], key: KEY_FORMATS[key] };
}
