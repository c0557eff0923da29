/**
 * The Glue table columns of a JSON Schema, for Firehose record format conversion (the `parquet` format of
 * the Firehose target): Firehose reads each JSON record with the OpenX JSON SerDe through the table's
 * columns and writes Parquet
 * (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html). The columns are made
 * from the canonical record's JSON Schema (enrichment/canonical.schema.json), never written by hand, so a
 * field added to the canonical record becomes a column.
 *
 * Types (Hive DDL, https://docs.aws.amazon.com/athena/latest/ug/data-types.html): string → `string`,
 * integer → `bigint`, number → `double`, boolean → `boolean`, an object with properties → `struct<…>`,
 * an object of free keys → `map<string,…>`, an array → `array<…>`. `null` alternatives are dropped (every
 * Hive column is nullable); a value of several types (e.g. string or number, or any JSON) becomes `string`,
 * the one type each of them can be read into. Names are lower case: the
 * SerDe matches JSON keys case-insensitively by default
 * (https://docs.aws.amazon.com/firehose/latest/APIReference/API_OpenXJsonSerDe.html).
 */

import { canonicalJsonSchema } from '../../../enrichment/canonical-schema.js';

/** A JSON Schema node (the subset the canonical schema uses). */
export interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly additionalProperties?: JsonSchemaNode | boolean;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly $ref?: string;
  readonly $defs?: Readonly<Record<string, JsonSchemaNode>>;
}

/** One Glue column. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
}

const SCALARS: Readonly<Record<string, string>> = {
  string: 'string',
  integer: 'bigint',
  number: 'double',
  boolean: 'boolean',
};

/** The type used for values of several types or of any JSON type. */
const TEXT = 'string';

/**
 * The columns of an object schema: one per property, in schema order.
 * @throws Error for a property name Hive cannot take (see {@link hiveNamesOf}).
 */
export function glueColumnsOf(schema: JsonSchemaNode): GlueColumn[] {
  const defs = schema.$defs ?? {};
  const entries = Object.entries(schema.properties ?? {});
  const names = hiveNamesOf(entries.map(([name]) => name));
  return entries.map(([, node], i) => ({
    name: names[i] as string,
    type: hiveTypeOf(node, defs, new Set()),
  }));
}

let canonicalColumns: readonly GlueColumn[] | undefined;

/** The columns of the canonical record (enrichment/canonical-schema.ts), made once. */
export function canonicalGlueColumns(): readonly GlueColumn[] {
  canonicalColumns ??= glueColumnsOf(canonicalJsonSchema() as JsonSchemaNode);
  return canonicalColumns;
}

/**
 * The lower-case Hive names of properties.
 * @throws Error naming a property with other characters than letters, digits and `_` (a struct type
 * cannot spell it), or two properties that differ only in letter case (the SerDe could not tell them apart).
 */
function hiveNamesOf(properties: readonly string[]): string[] {
  const names = properties.map((p) => p.toLowerCase());
  properties.forEach((property, i) => {
    if (!/^[a-z0-9_]+$/.test(names[i] as string))
      throw new Error(
        `canonical field "${property}" cannot be a Glue column (letters, digits and _ only): rename it in enrichment/canonical-schema.ts`,
      );
    if (names.indexOf(names[i] as string) !== i)
      throw new Error(
        `canonical fields "${properties[names.indexOf(names[i] as string)]}" and "${property}" are one Glue column in lower case: rename one in enrichment/canonical-schema.ts`,
      );
  });
  return names;
}

/** The Hive type of one schema node (`seen`: the `$ref`s being expanded, to stop on recursive ones). */
export function hiveTypeOf(
  node: JsonSchemaNode,
  defs: Readonly<Record<string, JsonSchemaNode>>,
  seen: ReadonlySet<string> = new Set(),
): string {
  if (node.$ref) {
    if (seen.has(node.$ref)) return TEXT;
    const target = defs[node.$ref.replace(/^#\/\$defs\//, '')];
    return target ? hiveTypeOf(target, defs, new Set([...seen, node.$ref])) : TEXT;
  }
  const alternatives = alternativesOf(node);
  if (alternatives.length !== 1) {
    const types = new Set(alternatives.map((a) => hiveTypeOf(a, defs, seen)));
    return types.size === 1 ? ([...types][0] as string) : TEXT;
  }
  const [only] = alternatives as [JsonSchemaNode];
  const type = only.type as string | undefined;
  if (type && SCALARS[type]) return SCALARS[type];
  if (type === 'array') return `array<${only.items ? hiveTypeOf(only.items, defs, seen) : TEXT}>`;
  if (type === 'object') return objectTypeOf(only, defs, seen);
  return TEXT;
}

/** A struct of the properties, else a map of the free keys' values. */
function objectTypeOf(
  node: JsonSchemaNode,
  defs: Readonly<Record<string, JsonSchemaNode>>,
  seen: ReadonlySet<string>,
): string {
  const properties = Object.entries(node.properties ?? {});
  if (properties.length > 0) {
    const names = hiveNamesOf(properties.map(([name]) => name));
    const fields = properties.map(([, child], i) => `${names[i]}:${hiveTypeOf(child, defs, seen)}`);
    return `struct<${fields.join(',')}>`;
  }
  const values = node.additionalProperties;
  const valueType = typeof values === 'object' ? hiveTypeOf(values, defs, seen) : TEXT;
  return `map<string,${valueType}>`;
}

/**
 * The non-null alternatives of a node: its `anyOf` / `oneOf` members, or one node per member of a `type`
 * list; a node without either is its own only alternative.
 */
function alternativesOf(node: JsonSchemaNode): JsonSchemaNode[] {
  const union = node.anyOf ?? node.oneOf;
  if (union) return union.filter((member) => member.type !== 'null');
  if (Array.isArray(node.type)) {
    return node.type.filter((t) => t !== 'null').map((t) => ({ ...node, type: t }));
  }
  return node.type === 'null' ? [] : [node];
}
