/**
 * Registry-framed values of a local run. A topic whose sources read Avro values framed by the AWS Glue
 * Schema Registry (`value: {format: avro, registry: {type: glue, …}}`) gets the API Connect Avro schema
 * (devkit/apic-avro.ts) registered in the Glue registry its sources name (moto's, or the account's in
 * external mode), and the producer writes its API Connect events as the Glue serializers do: Avro with the
 * Glue header, every other one zlib-compressed; every tenth event is written as plain JSON instead, which
 * the sources' `fallback: json` (the secondary deserializer) reads. Poison records stay as they are: not
 * framed, they reach the JSON fallback and its DLQ reasons.
 *
 * The local run produces no other schema format or registry: a source asking for one is refused before
 * anything starts, with the combination it named.
 */
import {
  AlreadyExistsException,
  CreateRegistryCommand,
  CreateSchemaCommand,
  GlueClient,
  RegisterSchemaVersionCommand,
} from '@aws-sdk/client-glue';
import { recordFormatsOf } from '../../pipes/record-formats.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { APIC_AVRO_SCHEMA_TEXT, apicAvroBytes, glueFramed } from '../apic-avro.js';
import type { ApicEvent } from '../apic-generator.js';
import type { LocalRunPlan } from './plan.js';

/** How the producer writes the API Connect events of one topic. */
export interface ValueEncoder {
  /** The value of event `seq` (0-based position on the topic) and its `content-type` header. */
  encode(event: ApicEvent, seq: number): { readonly value: Buffer; readonly contentType: string };
}

/** Every n-th event of a registry topic is produced as plain JSON (the sources' fallback reads it). */
export const JSON_FALLBACK_EVERY = 10;
/** Schema name the local run registers the API Connect schema under. */
export const LOCAL_SCHEMA_NAME = 'apic-api-event';

/** The Glue registry a topic's values are framed by, or none (JSON values). */
interface TopicRegistry {
  readonly registryName: string;
  readonly region?: string;
}

function registryOfSource(source: SourceConfig): TopicRegistry | null {
  const { value } = recordFormatsOf(source);
  if (value.format === 'json') return null;
  const registry = value.registry;
  if (value.format !== 'avro' || registry?.type !== 'glue') {
    throw new Error(
      `source ${source.name}: the local run produces Avro values framed by the Glue Schema Registry only, and the source reads ${value.format} values through a ${registry?.type ?? 'missing'} registry; run it against KAFKA_BROKERS with your own producer`,
    );
  }
  return { registryName: registry.registryName, ...(registry.region ? { region: registry.region } : {}) };
}

/**
 * The Glue registry of each topic whose sources read registry-framed values.
 * @throws Error when the sources of one topic disagree on its value format (one producer writes a topic).
 */
export function registryTopics(plan: LocalRunPlan): Map<string, TopicRegistry> {
  const byTopic = new Map<string, { registry: TopicRegistry | null; source: string }>();
  for (const { source } of plan.sources) {
    const registry = registryOfSource(source);
    const seen = byTopic.get(source.topic);
    if (seen && JSON.stringify(seen.registry) !== JSON.stringify(registry)) {
      throw new Error(
        `sources ${seen.source} and ${source.name} read topic ${source.topic} with different value formats; the local run writes one format per topic`,
      );
    }
    byTopic.set(source.topic, { registry, source: source.name });
  }
  const out = new Map<string, TopicRegistry>();
  for (const [topic, { registry }] of byTopic) if (registry) out.set(topic, registry);
  return out;
}

/** Registers the API Connect schema in a registry (idempotent); returns its schema version id. */
async function registerApicSchema(glue: GlueClient, registryName: string): Promise<string> {
  const ignoreExisting = (error: unknown) => {
    if (!(error instanceof AlreadyExistsException)) throw error;
  };
  await glue.send(new CreateRegistryCommand({ RegistryName: registryName })).catch(ignoreExisting);
  try {
    const created = await glue.send(
      new CreateSchemaCommand({
        RegistryId: { RegistryName: registryName },
        SchemaName: LOCAL_SCHEMA_NAME,
        DataFormat: 'AVRO',
        Compatibility: 'BACKWARD',
        SchemaDefinition: APIC_AVRO_SCHEMA_TEXT,
      }),
    );
    return created.SchemaVersionId as string;
  } catch (error) {
    ignoreExisting(error);
    const version = await glue.send(
      new RegisterSchemaVersionCommand({
        SchemaId: { RegistryName: registryName, SchemaName: LOCAL_SCHEMA_NAME },
        SchemaDefinition: APIC_AVRO_SCHEMA_TEXT,
      }),
    );
    return version.SchemaVersionId as string;
  }
}

/** The Glue serializer's framing of the event (zlib on odd positions), or plain JSON every n-th. */
function glueEncoder(schemaVersionId: string): ValueEncoder {
  return {
    encode(event, seq) {
      if (seq % JSON_FALLBACK_EVERY === JSON_FALLBACK_EVERY - 1) {
        return { value: Buffer.from(JSON.stringify(event)), contentType: 'application/json' };
      }
      const value = glueFramed(schemaVersionId, apicAvroBytes(event), seq % 2 === 1);
      return { value, contentType: 'application/vnd.apache.avro+binary' };
    },
  };
}

/**
 * Registers the schema of every registry topic and returns the producer's encoder per topic.
 * @param aws AWS client settings of the run (the test bed's moto endpoint, or `{}` for the account's)
 */
export async function provisionRegistryValues(
  plan: LocalRunPlan,
  aws: Readonly<Record<string, unknown>>,
  log: (line: string) => void,
): Promise<Map<string, ValueEncoder>> {
  const encoders = new Map<string, ValueEncoder>();
  const topics = registryTopics(plan);
  if (topics.size === 0) return encoders;
  const clients = new Map<string, GlueClient>();
  try {
    for (const [topic, registry] of topics) {
      const region = registry.region ?? '';
      if (!clients.has(region))
        clients.set(region, new GlueClient({ ...aws, ...(region ? { region } : {}) }));
      const id = await registerApicSchema(clients.get(region) as GlueClient, registry.registryName);
      encoders.set(topic, glueEncoder(id));
      log(
        `topic ${topic}: Avro values framed by Glue registry ${registry.registryName} (schema version ${id})`,
      );
    }
  } finally {
    for (const client of clients.values()) client.destroy();
  }
  return encoders;
}
