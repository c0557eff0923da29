/**
 * A source's value and key formats as the CLI uses them (`rules preview`, `dlq inspect`, `dlq replay`,
 * `check`): built from the same registries as the enrichment Lambda (enrichment/formats/registry.ts), with
 * the CLI's AWS settings and its Secrets Manager client, so a schema format added there decodes here too.
 */
import { InfrastructureError } from '../../core/errors.js';
import type { RecordFormats } from '../../enrichment/formats/format.js';
import { createRecordFormats, type RegistrySettings } from '../../enrichment/formats/registry.js';
import type { RegistryDeps } from '../../enrichment/formats/schema-types.js';
import type { KafkaEventRecord } from '../../enrichment/index.js';
import { recordFormatsOf } from '../../pipes/record-formats.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import type { CliAwsClients } from './aws.js';
import { readSecret } from './material.js';

/** A registry a source reads, with the source-file field that names it. */
export interface SourceRegistry {
  /** `value.registry`, `value.fallback` or `key.registry`. */
  readonly field: string;
  readonly settings: RegistrySettings;
}

/** The registries of a source, each with its field. */
export function sourceRegistries(source: SourceConfig): SourceRegistry[] {
  const { value, key } = recordFormatsOf(source);
  const out: SourceRegistry[] = [];
  if (value.registry) out.push({ field: 'value.registry', settings: value.registry });
  if (value.fallback !== undefined && typeof value.fallback !== 'string') {
    out.push({ field: 'value.fallback', settings: value.fallback });
  }
  if (key.registry) out.push({ field: 'key.registry', settings: key.registry });
  return out;
}

/** How the CLI's registry clients reach AWS (Glue) and the registry secrets (Confluent). */
export function registryDepsOf(aws: Pick<CliAwsClients, 'secretsManager' | 'config'>): RegistryDeps {
  return {
    ...(aws.config ? { aws: aws.config } : {}),
    secretString: (arn) => readSecret(aws.secretsManager, arn, 'registry secret', arn),
  };
}

/** The formats of a source (JSON values and text keys when it names none). */
export function sourceFormats(source: SourceConfig, aws: CliAwsClients): RecordFormats {
  const { value, key } = recordFormatsOf(source);
  return createRecordFormats(value, key, registryDepsOf(aws));
}

/** Whether a source reads registry-framed values or keys. */
export function readsRegistry(source: SourceConfig | undefined): boolean {
  return source !== undefined && sourceRegistries(source).length > 0;
}

/** Fetches what the formats need to decode the values and keys of Pipe records (base64 in the event). */
export async function prepareEventFormats(
  formats: RecordFormats,
  records: readonly Pick<KafkaEventRecord, 'value' | 'key'>[],
): Promise<void> {
  const bytes = (b64: string | null | undefined) => (b64 ? [Buffer.from(b64, 'base64')] : []);
  if (formats.value.prepare) await formats.value.prepare(records.flatMap((r) => bytes(r.value)));
  if (formats.key.prepare) await formats.key.prepare(records.flatMap((r) => bytes(r.key)));
}

/**
 * Runs a format's batch preparation (schema fetches); a registry that cannot answer becomes an error
 * that names the source and the command that diagnoses it.
 */
export async function prepareWithRegistry(sourceName: string, prepare: () => Promise<void>): Promise<void> {
  try {
    await prepare();
  } catch (err) {
    throw new InfrastructureError(
      `source ${sourceName}: the schema registry could not be read (${(err as Error).message}). Fix: run \`kafka-pipes check ${sourceName}\` (its registry step names the cause), then retry`,
      { cause: err, retriable: true },
    );
  }
}
