/**
 * Protobuf values (https://protobuf.dev/programming-guides/proto3/), decoded with protobufjs into the JSON
 * form of protobuf-json.ts (field names as the schema spells them, int64 as decimal text, enums as names,
 * bytes as base64, the well-known types as the proto3 JSON mapping writes them), which the normalization
 * then reads exactly as it reads a JSON event.
 *
 * A schema is `.proto` text (what the Confluent API's `GET /schemas/ids/{id}` and Glue's
 * `GetSchemaVersion` return) or a base64 `FileDescriptorProto` (the Confluent API's `format=serialized`
 * form, and what the Confluent serializers register); schemas it imports come as the registry's
 * references, and the well-known types `google/protobuf/*.proto` are built in.
 *
 * The message type of a payload is named before it, as the registry's serializers write it
 * (schema-types.ts Frame `messageIndexes`):
 * - Confluent (https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format):
 *   zigzag varints — a count, then the index path of the message among the file's messages, then among
 *   that message's nested messages; a single 0 stands for the path [0];
 * - Glue (the `MessageIndexFinder` of https://github.com/awslabs/aws-glue-schema-registry): one unsigned
 *   varint indexing every message of the file, nested and map-entry types included, sorted by full name.
 */
import type * as protobuf from 'protobufjs';
import { JsonForm } from './protobuf-json.js';
import { valueFilterRule } from './schema-format-rules.js';
import type { FetchedSchema, Frame, PayloadDecoder, SchemaLanguage } from './schema-types.js';

type Pb = typeof protobuf;
type Framed = Extract<Frame, { kind: 'framed' }>;

/** The well-known type files protobufjs carries (`protobuf.common`). */
const WELL_KNOWN_FILES = ['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers'].map(
  (name) => `google/protobuf/${name}.proto`,
);
/** Longest Confluent index path read (a path deeper than messages nest is not a frame). */
const MAX_INDEXES = 64;

/** A message of the schema's own file: its full name, nested messages and map-entry type names. */
interface MessageNode {
  readonly fullName: string;
  readonly nested: readonly MessageNode[];
  readonly mapEntries: readonly string[];
}

/** protoc's name of the map-entry type of a map field (`my_map` → `MyMapEntry`). */
export function mapEntryName(fieldName: string): string {
  return `${fieldName
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}Entry`;
}

/** Whether a schema text is a base64 FileDescriptorProto rather than `.proto` text. */
function isSerialized(definition: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(definition.trim());
}

function wellKnownRoot(pb: Pb): protobuf.Root {
  const root = new pb.Root();
  for (const file of WELL_KNOWN_FILES) root.addJSON((pb.common.get(file) as { nested: never }).nested);
  return root;
}

/** The root of a `.proto` text schema and its references, and the schema file's own messages. */
function textSchema(pb: Pb, schema: FetchedSchema): { root: protobuf.Root; messages: MessageNode[] } {
  const root = wellKnownRoot(pb);
  for (const ref of schema.references ?? []) {
    if (ref.name.startsWith('google/protobuf/')) continue;
    if (isSerialized(ref.definition)) throw new Error(`reference ${ref.name} is not .proto text`);
    pb.parse(ref.definition, root, { keepCase: true });
  }
  pb.parse(schema.definition, root, { keepCase: true });
  root.resolveAll();
  // The schema file alone, to know which messages are its own and in which order it declares them.
  const own = pb.parse(schema.definition, { keepCase: true });
  const top = own.package ? own.root.lookup(own.package) : own.root;
  const nodeOf = (type: protobuf.Type): MessageNode => ({
    fullName: type.fullName,
    nested: type.nestedArray.filter((n): n is protobuf.Type => n instanceof pb.Type).map(nodeOf),
    mapEntries: type.fieldsArray.filter((f) => f.map).map((f) => mapEntryName(f.name)),
  });
  const types = (top as protobuf.Namespace | null)?.nestedArray ?? [];
  return { root, messages: types.filter((n): n is protobuf.Type => n instanceof pb.Type).map(nodeOf) };
}

interface DescriptorMessage {
  name?: string;
  nestedType?: DescriptorMessage[];
  options?: { mapEntry?: boolean } | null;
}
interface DescriptorFile {
  package?: string;
  syntax?: string;
  messageType?: DescriptorMessage[];
  enumType?: unknown[];
}
/** What protobufjs/ext/descriptor adds: descriptor decoding and reflection objects made from descriptors. */
type FromDescriptor = (
  descriptor: unknown,
  context: { edition: string; keepCase: true },
) => protobuf.ReflectionObject;
interface DescriptorExt {
  FileDescriptorProto: { decode(bytes: Uint8Array): DescriptorFile };
}

/** The root of a base64 FileDescriptorProto schema and its (serialized) references. */
async function serializedSchema(
  pb: Pb,
  schema: FetchedSchema,
): Promise<{ root: protobuf.Root; messages: MessageNode[] }> {
  // Loaded only for serialized schemas; it adds fromDescriptor to the protobufjs reflection classes.
  const ext = ((await import('protobufjs/ext/descriptor.js')) as unknown as { default: DescriptorExt })
    .default;
  const decode = (name: string, text: string) => {
    if (!isSerialized(text)) throw new Error(`${name} is not a serialized FileDescriptorProto`);
    return ext.FileDescriptorProto.decode(Buffer.from(text, 'base64'));
  };
  const refs = (schema.references ?? []).filter((r) => !r.name.startsWith('google/protobuf/'));
  const main = decode('the schema', schema.definition);
  const root = wellKnownRoot(pb);
  const typeOf = (pb.Type as unknown as { fromDescriptor: FromDescriptor }).fromDescriptor;
  const enumOf = (pb.Enum as unknown as { fromDescriptor: FromDescriptor }).fromDescriptor;
  for (const file of [...refs.map((r) => decode(`reference ${r.name}`, r.definition)), main]) {
    if (file.syntax === 'editions') throw new Error('Protobuf editions are not supported');
    const context = { edition: file.syntax === 'proto3' ? 'proto3' : 'proto2', keepCase: true } as const;
    const ns = file.package ? root.define(file.package) : root;
    for (const m of file.messageType ?? []) ns.add(typeOf(m, context));
    for (const e of file.enumType ?? []) ns.add(enumOf(e, context));
  }
  root.resolveAll();
  const prefix = main.package ? `.${main.package}` : '';
  const nodeOf = (parent: string, m: DescriptorMessage): MessageNode => {
    const fullName = `${parent}.${m.name ?? ''}`;
    const nested = m.nestedType ?? [];
    return {
      fullName,
      nested: nested.filter((n) => !n.options?.mapEntry).map((n) => nodeOf(fullName, n)),
      mapEntries: nested.filter((n) => n.options?.mapEntry).map((n) => n.name ?? ''),
    };
  };
  return { root, messages: (main.messageType ?? []).map((m) => nodeOf(prefix, m)) };
}

/** Reads a varint at `offset` (zigzag-decoded when `zigzag`); throws past the payload's end. */
function varint(bytes: Buffer, offset: number, zigzag: boolean): { value: number; next: number } {
  let result = 0;
  for (let shift = 0, i = offset; shift < 35; shift += 7, i++) {
    if (i >= bytes.length) throw new Error('the message index ends before the payload');
    const b = bytes[i] as number;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      const value = zigzag ? (result % 2 === 0 ? result / 2 : -(result + 1) / 2) : result;
      return { value, next: i + 1 };
    }
  }
  throw new Error('the message index is not a varint');
}

/** Confluent's message-index path at the payload's start, and where the message starts. */
export function confluentIndexes(payload: Buffer): { path: number[]; offset: number } {
  const count = varint(payload, 0, true);
  if (count.value === 0) return { path: [0], offset: count.next };
  if (count.value < 0 || count.value > MAX_INDEXES) {
    throw new Error(`the message index count ${count.value} is not a count of indexes`);
  }
  const path: number[] = [];
  let offset = count.next;
  for (let i = 0; i < count.value; i++) {
    const index = varint(payload, offset, true);
    if (index.value < 0) throw new Error(`message index ${index.value} is negative`);
    path.push(index.value);
    offset = index.next;
  }
  return { path, offset };
}

/** The message type of a payload, by the indexes its registry writes before it. */
function messageLocator(root: protobuf.Root, messages: readonly MessageNode[]) {
  const glue: string[] = [];
  const collect = (node: MessageNode) => {
    glue.push(node.fullName, ...node.mapEntries.map((e) => `${node.fullName}.${e}`));
    node.nested.forEach(collect);
  };
  messages.forEach(collect);
  glue.sort();
  return (frame: Framed, payload: Buffer): { type: protobuf.Type; offset: number } => {
    if (frame.messageIndexes === 'glue') {
      const { value, next } = varint(payload, 0, false);
      const name = glue[value];
      if (name === undefined)
        throw new Error(`message index ${value}: the schema has ${glue.length} messages`);
      const type = root.lookup(name);
      if (!(type && 'fieldsArray' in type))
        throw new Error(`message index ${value} is the map entry ${name}`);
      return { type: type as protobuf.Type, offset: next };
    }
    const { path, offset } = confluentIndexes(payload);
    let level = messages;
    let node: MessageNode | undefined;
    for (const index of path) {
      node = level[index];
      if (node === undefined) throw new Error(`message index path [${path}] is not in the schema`);
      level = node.nested;
    }
    return { type: root.lookupType((node as MessageNode).fullName), offset };
  };
}

/** Protobuf, through protobufjs (loaded on the first schema). */
export const protobufLanguage: SchemaLanguage = {
  format: 'protobuf',
  dataFormat: 'PROTOBUF',
  rules: [valueFilterRule],
  packages: ['protobufjs'],
  async compile(schema: FetchedSchema): Promise<PayloadDecoder> {
    // Loaded on the first schema: a bundle for sources in other formats leaves protobufjs out.
    const pb = ((await import('protobufjs')) as unknown as { default: Pb }).default;
    const { root, messages } = isSerialized(schema.definition)
      ? await serializedSchema(pb, schema)
      : textSchema(pb, schema);
    if (messages.length === 0) throw new Error('the schema declares no message');
    const locate = messageLocator(root, messages);
    const json = new JsonForm(pb);
    return (payload, frame) => {
      const { type, offset } = locate(frame, payload);
      return json.of(type, type.decode(payload.subarray(offset)));
    };
  },
};
