/**
 * Registry type `glue`: the AWS Glue Schema Registry.
 *
 * Wire format of the Glue serializers (https://github.com/awslabs/aws-glue-schema-registry, the
 * `GlueSchemaRegistryDefaultHeaderVersion`): byte 0 is the header version 3, byte 1 the compression
 * (0 none, 5 zlib), bytes 2–17 the schema version id (a UUID), then the payload (zlib-deflated when
 * byte 1 is 5). The schema comes from `GetSchemaVersion` by that id
 * (https://docs.aws.amazon.com/glue/latest/webapi/API_GetSchemaVersion.html); it must belong to the
 * configured registry.
 */
import { inflateSync } from 'node:zlib';
import * as z from 'zod/mini';
import { RetriableError } from '../../../core/errors.js';
import type { ServiceRule } from '../../../pipes/kinds/types.js';
import type {
  FetchedSchema,
  Frame,
  RegistryClient,
  RegistryDeps,
  RegistryProbe,
  SchemaRegistryModule,
  UnknownSchema,
} from '../schema-types.js';

const HEADER_VERSION = 3;
const COMPRESSION_NONE = 0;
const COMPRESSION_ZLIB = 5;
const HEADER_BYTES = 18;
/** Most bytes a zlib payload may inflate to (a record larger than a Kinesis record cannot be delivered). */
export const GLUE_INFLATE_MAX_BYTES = 8 * 1024 * 1024;

/** Registry names as Glue accepts them (RegistryId.RegistryName). */
const REGISTRY_NAME = /^[a-zA-Z0-9-_$#.]{1,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The `registry` block of a Glue source. */
export const glueSettings = z.strictObject({
  type: z.literal('glue'),
  registryName: z
    .string()
    .check(z.regex(REGISTRY_NAME, 'must be a Glue registry name ([a-zA-Z0-9-_$#.], 1–255)')),
  region: z.optional(z.string().check(z.regex(REGION, 'must be an AWS Region such as eu-west-1'))),
});

/** Settings of a Glue registry. */
export type GlueSettings = z.infer<typeof glueSettings>;

function uuidOf(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Reads the Glue framing of a value. */
export function glueFrame(bytes: Buffer): Frame {
  if (bytes.length === 0 || bytes[0] !== HEADER_VERSION) return { kind: 'not-framed' };
  if (bytes.length < HEADER_BYTES) {
    return {
      kind: 'bad',
      reason: `the Glue header needs ${HEADER_BYTES} bytes, the value has ${bytes.length}`,
    };
  }
  const id = uuidOf(bytes.subarray(2, HEADER_BYTES));
  const body = bytes.subarray(HEADER_BYTES);
  if (bytes[1] === COMPRESSION_NONE) return { kind: 'framed', id, payload: body, messageIndexes: 'glue' };
  if (bytes[1] !== COMPRESSION_ZLIB) {
    return { kind: 'bad', reason: `Glue compression byte ${bytes[1]} is neither 0 (none) nor 5 (zlib)` };
  }
  try {
    const payload = inflateSync(body, { maxOutputLength: GLUE_INFLATE_MAX_BYTES });
    return { kind: 'framed', id, payload, messageIndexes: 'glue' };
  } catch (err) {
    return { kind: 'bad', reason: `the zlib payload does not inflate: ${(err as Error).message}` };
  }
}

/** Errors that mean "no such schema version" (not worth a retry). */
const UNKNOWN = new Set(['EntityNotFoundException', 'InvalidInputException']);

interface GlueSchemaVersion {
  readonly SchemaDefinition?: string;
  readonly DataFormat?: string;
  readonly SchemaArn?: string;
  readonly Status?: string;
}

/** The Glue client, created on the first fetch (the SDK module is loaded only by sources that use Glue). */
function glueClient(settings: GlueSettings, deps: RegistryDeps): RegistryClient {
  let send: ((id: string) => Promise<GlueSchemaVersion>) | undefined;
  const connect = async () => {
    const { GlueClient, GetSchemaVersionCommand } = await import('@aws-sdk/client-glue');
    const client = new GlueClient({ ...deps.aws, ...(settings.region ? { region: settings.region } : {}) });
    return (id: string) => client.send(new GetSchemaVersionCommand({ SchemaVersionId: id }));
  };
  return {
    async fetch(id: string): Promise<FetchedSchema | UnknownSchema> {
      send ??= await connect();
      let out: GlueSchemaVersion;
      try {
        out = await send(id);
      } catch (err) {
        const name = (err as Error).name;
        if (UNKNOWN.has(name))
          return { unknown: `registry ${settings.registryName} has no schema version ${id} (${name})` };
        throw new RetriableError(
          `Glue GetSchemaVersion ${id} (registry ${settings.registryName}) failed: ${name}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      return checkedVersion(id, out, settings.registryName);
    },
  };
}

/** The version's schema when it is available and belongs to `registryName`; else why it is unknown. */
function checkedVersion(
  id: string,
  out: GlueSchemaVersion,
  registryName: string,
): FetchedSchema | UnknownSchema {
  const registry = /:schema\/([^/]+)\//.exec(out.SchemaArn ?? '')?.[1];
  if (registry !== registryName) {
    return {
      unknown: `schema version ${id} belongs to registry ${registry ?? '(none)'}, not ${registryName}`,
    };
  }
  if (out.Status !== 'AVAILABLE' || out.SchemaDefinition === undefined) {
    return { unknown: `schema version ${id} is ${out.Status ?? 'without a status'}, not AVAILABLE` };
  }
  return { dataFormat: out.DataFormat ?? '', definition: out.SchemaDefinition };
}

/**
 * The decoder reads schema versions by id. Glue's deserializer example grants glue:GetSchemaVersion on
 * "*": a by-id request names no registry, so a registry-scoped resource does not match it.
 */
const GRANT_PAGE = 'https://docs.aws.amazon.com/glue/latest/dg/schema-registry-gs.html';

const rules: readonly ServiceRule[] = [];

/** Errors of a request whose credentials AWS refused (or that had none). */
const CREDENTIAL_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

/** The `check` step: `GetRegistry` (https://docs.aws.amazon.com/glue/latest/webapi/API_GetRegistry.html). */
async function glueProbe(settings: GlueSettings, deps: RegistryDeps): Promise<RegistryProbe> {
  const { GlueClient, GetRegistryCommand } = await import('@aws-sdk/client-glue');
  const client = new GlueClient({ ...deps.aws, ...(settings.region ? { region: settings.region } : {}) });
  const name = settings.registryName;
  try {
    const region = await client.config.region();
    const out = await client.send(new GetRegistryCommand({ RegistryId: { RegistryName: name } }));
    if (out.Status === 'DELETING') {
      return {
        ok: false,
        failed: 'missing',
        message: `Glue registry ${name} in ${region} is DELETING`,
        cause: 'the registry is being deleted: no schema version in it can be read',
        fix: `create the registry again (aws glue create-registry --registry-name ${name}) and register the producers' schemas in it`,
      };
    }
    const status = out.Status ? `, ${out.Status}` : '';
    return { ok: true, message: `Glue registry ${name} exists in ${region} (${out.RegistryArn}${status})` };
  } catch (err) {
    return glueProbeFailure(name, err as Error);
  } finally {
    client.destroy();
  }
}

function glueProbeFailure(name: string, err: Error): RegistryProbe {
  const message = `Glue GetRegistry ${name}: ${err.name}: ${err.message}`;
  if (err.name === 'EntityNotFoundException') {
    return {
      ok: false,
      failed: 'missing',
      message,
      cause: `no Glue registry named ${name} in this account and Region`,
      fix: 'set registryName (and region) to the registry the producers register their schemas in',
    };
  }
  if (CREDENTIAL_ERRORS.has(err.name)) {
    return {
      ok: false,
      failed: 'credentials',
      message,
      cause: 'AWS refused the credentials, or they may not call glue:GetRegistry',
      fix: 'run check with credentials of the account that holds the registry, allowed glue:GetRegistry on it',
    };
  }
  return {
    ok: false,
    failed: 'unreachable',
    message,
    cause: 'the Glue endpoint of the Region did not answer',
    fix: 'check the Region (registry.region, AWS_REGION) and the network path to the Glue endpoint',
  };
}

/** The AWS Glue Schema Registry. */
export const glueRegistry: SchemaRegistryModule<'glue', typeof glueSettings> = {
  type: 'glue',
  settings: glueSettings,
  settingsExample: '{type: glue, registryName: <name>, region?}',
  frame: glueFrame,
  client: glueClient,
  grants: () => [{ sid: 'ReadGlueSchemaVersions', actions: ['glue:GetSchemaVersion'], resources: ['*'] }],
  secrets: () => [],
  probe: glueProbe,
  rules,
  onboard: [
    { field: 'registryName', flag: 'registryName', prompt: 'Glue Schema Registry name' },
    {
      field: 'region',
      flag: 'registryRegion',
      prompt: 'Region of the Glue registry (empty: the stack Region)',
      optional: true,
    },
  ],
};

/** Page of the Glue deserializer permissions (the grant above). */
export const GLUE_GRANT_PAGE = GRANT_PAGE;
