/**
 * The contracts of registry-framed formats: a schema language (Avro, Protobuf, JSON Schema: one module
 * each in this folder) decodes payloads with a registered schema, and a schema registry (Glue, Confluent:
 * one module each in `registries/`) reads its wire framing and fetches schemas by id. `registry-format.ts`
 * joins one of each (plus the source's fallback) into a format.ts ValueFormat / KeyFormat.
 *
 * Runtime-safe: the enrichment Lambda and the poller bundle this folder; the source-file schema and the
 * CDK constructs read the same modules' settings schemas, grants and service rules (type imports only
 * from pipes/).
 */
import type * as z from 'zod/mini';
import type { GrantSpec, ServiceRule } from '../../pipes/kinds/types.js';

/** A schema as a registry returns it. */
export interface FetchedSchema {
  /** The schema language the registry records: `AVRO`, `PROTOBUF` or `JSON`. */
  readonly dataFormat: string;
  /** The schema text. */
  readonly definition: string;
  /** Schemas the definition imports (Confluent references), by the name it imports them with. */
  readonly references?: readonly { readonly name: string; readonly definition: string }[];
}

/** How a registry frames a value. */
export type Frame =
  /**
   * Framed: the schema id (as text), the payload, and how a Protobuf payload names its message type
   * before the message (protobuf.ts): Confluent's index path, or Glue's one index into the sorted
   * messages of the schema (other languages ignore it).
   */
  | {
      readonly kind: 'framed';
      readonly id: string;
      readonly payload: Buffer;
      readonly messageIndexes: 'confluent' | 'glue';
    }
  /** Not framed by this registry (the source's fallback decides). */
  | { readonly kind: 'not-framed' }
  /** Framed, but the frame itself is bad (truncated, unknown compression): a `schema-decode-error`. */
  | { readonly kind: 'bad'; readonly reason: string };

/** Decodes one payload with one compiled schema; throws on a payload the schema cannot read. */
export type PayloadDecoder = (payload: Buffer, frame: Extract<Frame, { kind: 'framed' }>) => unknown;

/** A schema language. */
export interface SchemaLanguage {
  /** The `format` value of a source file (`avro`). */
  readonly format: string;
  /** The registries' name for it (`dataFormat` of a FetchedSchema). */
  readonly dataFormat: string;
  /** The npm packages it loads (dynamically, on the first schema): bundles of other sources leave them out. */
  readonly packages: readonly string[];
  /** Compiles a fetched schema; rejects on a schema it cannot read. */
  compile(schema: FetchedSchema): Promise<PayloadDecoder>;
  /** AWS service rules of a source whose values are in this format. */
  readonly rules: readonly ServiceRule[];
}

/** Why a registry has no usable schema for an id (it does not know it, or it is in another registry). */
export interface UnknownSchema {
  readonly unknown: string;
}

/** A live registry: fetches schemas by the id a frame carries. */
export interface RegistryClient {
  /**
   * The schema of `id`, or why the registry has none for it. Throws core/errors.ts RetriableError when
   * the registry cannot answer (unreachable, throttled, 5xx, access refused).
   */
  fetch(id: string): Promise<FetchedSchema | UnknownSchema>;
}

/**
 * What `kafka-pipes check` found asking a registry with the operator's credentials: it answered, accepted
 * the credentials and holds the configured registry; or the cause and the fix of the first that failed.
 */
export type RegistryProbe =
  | { readonly ok: true; readonly message: string }
  | {
      readonly ok: false;
      /** Which part failed: the registry did not answer, refused the credentials, or lacks the registry. */
      readonly failed: 'unreachable' | 'credentials' | 'missing';
      readonly message: string;
      readonly cause: string;
      readonly fix: string;
    };

/** A field of a registry block that `kafka-pipes onboard` asks for (and takes as a flag). */
export interface RegistryOnboardField {
  /** Path inside the registry block (`registryName`, `auth.secret`). */
  readonly field: string;
  /** The flag that answers it, camelCase (`registryName` is `--registry-name`). */
  readonly flag: string;
  readonly prompt: string;
  /** An empty answer leaves the field out. */
  readonly optional?: boolean;
  /** Fields of the block set with it when it is answered (`auth.type: basic` with `auth.secret`). */
  readonly implies?: Readonly<Record<string, string>>;
}

/** What registry clients are made with (the Lambda's defaults, or the test bed's endpoints). */
export interface RegistryDeps {
  /** AWS SDK client settings (endpoint, credentials) for the AWS registries; default: the runtime's. */
  readonly aws?: Readonly<Record<string, unknown>>;
  /** Reads a Secrets Manager secret's string (Confluent credentials and root CA). */
  readonly secretString?: (arn: string) => Promise<string>;
}

/** Where the registry settings are validated (the source file, or the Lambda's environment). */
export interface GrantContext {
  /** The stack's partition, account and Region (tokens at synth time). */
  readonly partition: string;
  readonly account: string;
  readonly region: string;
}

/** A schema registry type. */
export interface SchemaRegistryModule<
  T extends string = string,
  Sch extends z.ZodMiniType = z.ZodMiniType,
  S = z.infer<Sch>,
> {
  /** The `registry.type` value. */
  readonly type: T;
  /** The settings block (`{type, …}`), in zod/mini so the Lambda validates its environment with it. */
  readonly settings: Sch;
  /** The settings block as a fix text shows it (`{type: glue, registryName: <name>, region?}`). */
  readonly settingsExample: string;
  /** Reads the framing of a value. */
  frame(bytes: Buffer): Frame;
  /** A client for these settings. */
  client(settings: S, deps: RegistryDeps): RegistryClient;
  /** IAM grants the decoder's role needs for these settings. */
  grants(settings: S, context: GrantContext): GrantSpec[];
  /** Secrets the decoder reads (full ARNs): credentials, root CA. */
  secrets(settings: S): string[];
  /**
   * The `check` step: asks the registry (reachable, credentials accepted, registry exists) with a
   * request the operator's credentials may make; never throws. Loaded by the CLI only (the Lambdas
   * never call it).
   */
  probe(settings: S, deps: RegistryDeps): Promise<RegistryProbe>;
  /** AWS service rules. */
  readonly rules: readonly ServiceRule[];
  /** The fields `onboard` asks for, in order (its `type` is asked first). */
  readonly onboard: readonly RegistryOnboardField[];
}
