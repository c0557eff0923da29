/**
 * What `dlq inspect` shows of enrichment DLQ entries whose value a schema registry framed (or should have):
 * reasons `unknown-schema`, `schema-decode-error`, `not-registry-framed`. Their raw bytes are in the entry;
 * each is located by the registries' own framing (enrichment/formats/registries/: the source's registries,
 * or every registry type when no source is known) and counted by schema id. With the source known, the
 * values are also decoded NOW with its formats (schemas fetched from its registry), which tells whether a
 * fix (a schema registered, the registry or fallback changed) makes them replayable.
 */
import { findRegistry, SCHEMA_REGISTRIES } from '../../enrichment/formats/registry.js';
import type { SchemaRegistryModule } from '../../enrichment/formats/schema-types.js';
import { DLQ_REASON, type DlqEntry, reasonCode } from '../../enrichment/index.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import type { CliAwsClients } from '../shared/aws.js';
import { sourceFormats, sourceRegistries } from '../shared/record-formats.js';
import type { DlqMessage } from './messages.js';

/** Reason codes of registry-framed values: only the source's format decodes their values. */
export const SCHEMA_REASONS: readonly string[] = [
  DLQ_REASON.unknownSchema,
  DLQ_REASON.schemaDecodeError,
  DLQ_REASON.notRegistryFramed,
];

/** The schema view of a DLQ sample. */
export interface SchemaView {
  /** Entries with a schema reason (and a value that is not truncated). */
  readonly entries: number;
  /** `<registry type> schema <id>` (or `not framed`) → entries. */
  readonly bySchema: Record<string, number>;
  /** Decoded now with the source's formats: how many decode, and the reasons of the others. */
  readonly now?:
    | { readonly decodes: number; readonly failing: Record<string, number> }
    | { readonly error: string };
}

function schemaEntries(messages: readonly DlqMessage[]): DlqEntry[] {
  return messages.flatMap((m) =>
    m.parsed.kind === 'enrichment' &&
    SCHEMA_REASONS.includes(reasonCode(m.parsed.entry)) &&
    m.parsed.entry.value !== null &&
    !m.parsed.entry.valueTruncated
      ? [m.parsed.entry]
      : [],
  );
}

/** Where a value's framing points: the first registry that frames it. */
function schemaOf(bytes: Buffer, modules: readonly SchemaRegistryModule[]): string {
  for (const module of modules) {
    const frame = module.frame(bytes);
    if (frame.kind === 'framed') return `${module.type} schema ${frame.id}`;
    if (frame.kind === 'bad') return `${module.type} bad frame`;
  }
  return 'not framed';
}

/** The schema view, or undefined when the sample has no entry with a schema reason. */
export async function schemaView(
  messages: readonly DlqMessage[],
  source: SourceConfig | undefined,
  aws: CliAwsClients,
): Promise<SchemaView | undefined> {
  const entries = schemaEntries(messages);
  if (entries.length === 0) return undefined;
  const registries = source ? sourceRegistries(source) : [];
  const modules = (
    registries.length > 0
      ? registries.map((r) => findRegistry(r.settings.type))
      : [...(SCHEMA_REGISTRIES as readonly SchemaRegistryModule[])]
  ) as SchemaRegistryModule[];
  const values = entries.map((e) => Buffer.from(e.value as string, 'base64'));
  const bySchema: Record<string, number> = {};
  for (const bytes of values) {
    const key = schemaOf(bytes, modules);
    bySchema[key] = (bySchema[key] ?? 0) + 1;
  }
  if (!source) return { entries: entries.length, bySchema };
  return { entries: entries.length, bySchema, now: await decodeNow(values, source, aws) };
}

/** Decodes the values with the source's formats as they are now. */
async function decodeNow(values: readonly Buffer[], source: SourceConfig, aws: CliAwsClients) {
  const formats = sourceFormats(source, aws);
  try {
    await formats.value.prepare?.(values);
  } catch (err) {
    return { error: `the schema registry could not be read: ${(err as Error).message}` };
  }
  let decodes = 0;
  const failing: Record<string, number> = {};
  for (const bytes of values) {
    const decoded = formats.value.decode(bytes);
    if (decoded.ok) decodes++;
    else {
      const code = reasonCode(decoded);
      failing[code] = (failing[code] ?? 0) + 1;
    }
  }
  return { decodes, failing };
}
