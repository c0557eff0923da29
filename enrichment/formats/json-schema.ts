/**
 * JSON Schema values (https://json-schema.org/specification): the payload a registry frames is UTF-8
 * JSON, validated against the registered schema with Ajv (https://ajv.js.org/json-schema.html), then read
 * by the normalization exactly as a JSON event. A payload that is not JSON, or that the schema refuses, is
 * a `schema-decode-error` naming the first failing location (`/request/status: must be integer`).
 *
 * Drafts: 2020-12 and 2019-09 by their own Ajv classes; draft-07, draft-06 and a schema without
 * `$schema` by Ajv's default (draft-07) class. Draft-04 (boolean `exclusiveMaximum`, `id`) is not read by
 * Ajv 8 and is refused as a schema that does not compile. `format` is an annotation, as in 2019-09 and
 * 2020-12 (not asserted: Ajv's format plugin is left out), and unknown keywords are ignored (strict mode
 * off: registries add their own, e.g. Confluent's `confluent:tags`).
 */
import { isUtf8 } from 'node:buffer';
import type { ErrorObject } from 'ajv';
import { valueFilterRule } from './schema-format-rules.js';
import type { FetchedSchema, PayloadDecoder, SchemaLanguage } from './schema-types.js';

/** What this module uses of an Ajv instance (https://ajv.js.org/api.html). */
interface AjvInstance {
  addSchema(schema: unknown, key?: string): unknown;
  compile(schema: unknown): ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };
}
type AjvClass = new (options: Record<string, unknown>) => AjvInstance;

/** Errors shown in a DLQ reason at most (Ajv stops at the first one; a failed `anyOf` has several). */
const MAX_ERRORS_SHOWN = 3;

/** An Ajv module as a dynamic import gives it (CommonJS: the class is `default`, or `default.default`). */
function classOf(module: unknown): AjvClass {
  const first = (module as { default: AjvClass & { default?: AjvClass } }).default;
  return first.default ?? first;
}

/** The Ajv class of each `$schema` (without a trailing `#`), loaded on the first schema of that draft. */
const DRAFTS: readonly { readonly uris: readonly string[]; readonly load: () => Promise<AjvClass> }[] = [
  {
    uris: ['https://json-schema.org/draft/2020-12/schema', 'http://json-schema.org/draft/2020-12/schema'],
    load: async () => classOf(await import('ajv/dist/2020.js')),
  },
  {
    uris: ['https://json-schema.org/draft/2019-09/schema', 'http://json-schema.org/draft/2019-09/schema'],
    load: async () => classOf(await import('ajv/dist/2019.js')),
  },
  {
    uris: ['', 'http://json-schema.org/draft-07/schema', 'http://json-schema.org/draft-06/schema'],
    load: async () => classOf(await import('ajv')),
  },
];

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

/** The schema as Ajv reads it: a draft-06 `$schema` is read as draft-07 (a superset of it). */
function readable(schema: Record<string, unknown>, uri: string): Record<string, unknown> {
  return uri === 'http://json-schema.org/draft-06/schema' ? { ...schema, $schema: DRAFT_07 } : schema;
}

function parseSchema(text: string, what: string): Record<string, unknown> | boolean {
  const parsed: unknown = JSON.parse(text);
  if (
    typeof parsed === 'boolean' ||
    (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
  ) {
    return parsed as Record<string, unknown> | boolean;
  }
  throw new Error(`${what} is not a JSON Schema (an object or a boolean)`);
}

/** One validation error as text: where in the value, and what the schema asks. */
function errorText(error: ErrorObject): string {
  const at = error.instancePath === '' ? '(the value)' : error.instancePath;
  const extra = error.params as { additionalProperty?: string; allowedValues?: unknown[] };
  const detail =
    extra.additionalProperty !== undefined
      ? ` (${extra.additionalProperty})`
      : extra.allowedValues !== undefined
        ? ` (${extra.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
        : '';
  return `${at}: ${error.message ?? error.keyword}${detail}`;
}

/** The text of Ajv's errors for a DLQ reason. */
export function validationErrorsText(errors: readonly ErrorObject[]): string {
  const shown = errors.slice(0, MAX_ERRORS_SHOWN).map(errorText);
  const more = errors.length > MAX_ERRORS_SHOWN ? ` (and ${errors.length - MAX_ERRORS_SHOWN} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/** Compiles a registered schema (and the schemas it references, by their reference names) with Ajv. */
async function compileSchema(schema: FetchedSchema): Promise<(value: unknown) => string | undefined> {
  const top = parseSchema(schema.definition, 'the schema');
  const declared = typeof top === 'object' && typeof top.$schema === 'string' ? top.$schema : '';
  const uri = declared.replace(/#$/, '');
  const draft = DRAFTS.find((d) => d.uris.includes(uri));
  if (draft === undefined) {
    throw new Error(`$schema ${declared} is not a draft this decoder reads (2020-12, 2019-09, 07, 06)`);
  }
  const Ajv = await draft.load();
  const ajv = new Ajv({ strict: false, validateFormats: false, logger: false, allErrors: false });
  for (const ref of schema.references ?? []) {
    const referenced = parseSchema(ref.definition, `referenced schema ${ref.name}`);
    ajv.addSchema(typeof referenced === 'object' ? readable(referenced, uri) : referenced, ref.name);
  }
  const validate = ajv.compile(typeof top === 'object' ? readable(top, uri) : top);
  return (value) => (validate(value) ? undefined : validationErrorsText(validate.errors ?? []));
}

/** JSON Schema, through Ajv: the payload parsed as JSON, then validated. */
export const jsonSchemaLanguage: SchemaLanguage = {
  format: 'json-schema',
  dataFormat: 'JSON',
  rules: [valueFilterRule],
  packages: ['ajv'],
  async compile(schema: FetchedSchema): Promise<PayloadDecoder> {
    // Loaded on the first schema: a bundle for a source in another format leaves Ajv out
    // (pipes/record-formats.ts unusedFormatPackages).
    const check = await compileSchema(schema);
    return (payload) => {
      if (!isUtf8(payload)) throw new Error('the payload is not valid UTF-8');
      let value: unknown;
      try {
        value = JSON.parse(payload.toString('utf8'));
      } catch (err) {
        throw new Error(`the payload is not JSON: ${(err as Error).message}`);
      }
      const invalid = check(value);
      if (invalid !== undefined) throw new Error(`the value does not match the schema: ${invalid}`);
      return value;
    };
  },
};
