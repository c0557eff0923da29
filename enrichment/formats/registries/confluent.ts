/**
 * Registry type `confluent`: a registry speaking the Confluent Schema Registry API.
 *
 * Wire format (https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format):
 * byte 0 is the magic byte 0, bytes 1–4 the schema id (big-endian), then the payload; a Protobuf payload
 * starts with its message indexes (varints). The schema comes from `GET /schemas/ids/{id}`, and each
 * schema it references from `GET /subjects/{subject}/versions/{version}`
 * (https://docs.confluent.io/platform/current/schema-registry/develop/api.html). TLS is always verified
 * (the public CAs, or the root CA of `rootCaSecret`); credentials come from Secrets Manager. A registry
 * reachable only inside a VPC sets `vpc` (registry-vpc.ts): the decoding Lambda joins that VPC.
 */
import { request } from 'node:https';
import * as z from 'zod/mini';
import { RetriableError } from '../../../core/errors.js';
import type { GrantSpec } from '../../../pipes/kinds/types.js';
import { registryVpcRules, registryVpcSetting } from '../registry-vpc.js';
import type {
  FetchedSchema,
  Frame,
  GrantContext,
  RegistryClient,
  RegistryDeps,
  RegistryProbe,
  SchemaRegistryModule,
  UnknownSchema,
} from '../schema-types.js';

const MAGIC = 0;
const HEADER_BYTES = 5;
const FULL_SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const SECRET_MESSAGE = 'must be the full ARN of a Secrets Manager secret (…:secret:<name>-<6 characters>)';
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
/** Milliseconds one registry request may take before the batch is retried. */
export const CONFLUENT_REQUEST_TIMEOUT_MS = 5_000;
/** Most referenced schemas followed for one schema (a reference cycle stops here). */
const MAX_REFERENCES = 100;

/** The `registry` block of a Confluent-API registry. */
export const confluentSettings = z.strictObject({
  type: z.literal('confluent'),
  url: z
    .string()
    .check(
      z.regex(
        /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s?#]*)?$/,
        'must be an https:// URL of the registry',
      ),
    ),
  auth: z.optional(
    z.strictObject({
      type: z.literal('basic'),
      secret: z.string().check(z.regex(FULL_SECRET_ARN, SECRET_MESSAGE)),
    }),
  ),
  rootCaSecret: z.optional(z.string().check(z.regex(FULL_SECRET_ARN, SECRET_MESSAGE))),
  /** The customer managed KMS key of those secrets (not needed with aws/secretsmanager). */
  kmsKeyArn: z.optional(
    z
      .string()
      .check(z.regex(KMS_KEY_ARN, 'must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>)')),
  ),
  /** A registry reachable only inside a VPC: the decoding Lambda joins it (registry-vpc.ts). */
  vpc: registryVpcSetting,
});

/** Settings of a Confluent-API registry. */
export type ConfluentSettings = z.infer<typeof confluentSettings>;

/** Reads the Confluent framing of a value. */
export function confluentFrame(bytes: Buffer): Frame {
  if (bytes.length === 0 || bytes[0] !== MAGIC) return { kind: 'not-framed' };
  if (bytes.length < HEADER_BYTES) {
    return {
      kind: 'bad',
      reason: `the Confluent header needs ${HEADER_BYTES} bytes, the value has ${bytes.length}`,
    };
  }
  return {
    kind: 'framed',
    id: String(bytes.readUInt32BE(1)),
    payload: bytes.subarray(HEADER_BYTES),
    messageIndexes: 'confluent',
  };
}

/** An answer of the registry API. */
interface ApiSchema {
  readonly schema?: string;
  readonly schemaType?: string;
  readonly references?: readonly { name: string; subject: string; version: number }[];
}

type Get = (path: string) => Promise<{ status: number; body: string }>;

/** GETs a path of the registry with TLS verified against `ca` (or the public CAs), and basic auth. */
function getter(base: URL, authorization: string | undefined, ca: string | undefined): Get {
  return (path) =>
    new Promise((resolve, reject) => {
      const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
      const req = request(
        url,
        {
          method: 'GET',
          headers: {
            accept: 'application/vnd.schemaregistry.v1+json, application/json',
            ...(authorization ? { authorization } : {}),
          },
          ...(ca ? { ca } : {}),
          timeout: CONFLUENT_REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${CONFLUENT_REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end();
    });
}

/** The schema at a registry path, undefined on 404, RetriableError on anything else that is not 200. */
async function getSchema(get: Get, path: string, where: string): Promise<ApiSchema | undefined> {
  let answer: { status: number; body: string };
  try {
    answer = await get(path);
  } catch (err) {
    throw new RetriableError(`Confluent registry ${where}: GET ${path} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) {
    throw new RetriableError(
      `Confluent registry ${where}: GET ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`,
    );
  }
  try {
    return JSON.parse(answer.body) as ApiSchema;
  } catch (err) {
    throw new RetriableError(
      `Confluent registry ${where}: GET ${path} answered no JSON: ${(err as Error).message}`,
    );
  }
}

/** The referenced schemas of `top`, depth first, each once. */
async function referencesOf(
  get: Get,
  top: ApiSchema,
  where: string,
): Promise<{ name: string; definition: string }[] | string> {
  const out: { name: string; definition: string }[] = [];
  const seen = new Set<string>();
  const pending = [...(top.references ?? [])];
  while (pending.length > 0 && out.length < MAX_REFERENCES) {
    const ref = pending.shift() as { name: string; subject: string; version: number };
    const key = `${ref.subject}/${ref.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const path = `/subjects/${encodeURIComponent(ref.subject)}/versions/${ref.version}`;
    const schema = await getSchema(get, path, where);
    if (schema?.schema === undefined)
      return `referenced schema ${ref.subject} version ${ref.version} is unknown`;
    pending.push(...(schema.references ?? []));
    out.unshift({ name: ref.name, definition: schema.schema });
  }
  return out;
}

async function secretJson(deps: RegistryDeps, arn: string): Promise<Record<string, unknown>> {
  if (deps.secretString === undefined) throw new RetriableError(`no Secrets Manager reader to read ${arn}`);
  try {
    return JSON.parse(await deps.secretString(arn)) as Record<string, unknown>;
  } catch (err) {
    throw new RetriableError(`secret ${arn} could not be read as JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The basic-auth header and root CA of the settings, read from Secrets Manager. */
async function connectionOf(settings: ConfluentSettings, deps: RegistryDeps): Promise<Get> {
  let authorization: string | undefined;
  if (settings.auth) {
    const { username, password } = await secretJson(deps, settings.auth.secret);
    authorization = `Basic ${Buffer.from(`${String(username)}:${String(password)}`).toString('base64')}`;
  }
  const ca = settings.rootCaSecret
    ? String((await secretJson(deps, settings.rootCaSecret)).certificate)
    : undefined;
  return getter(new URL(settings.url), authorization, ca);
}

function confluentClient(settings: ConfluentSettings, deps: RegistryDeps): RegistryClient {
  let get: Get | undefined;
  const where = new URL(settings.url).host;
  return {
    async fetch(id: string): Promise<FetchedSchema | UnknownSchema> {
      get ??= await connectionOf(settings, deps);
      const top = await getSchema(get, `/schemas/ids/${id}`, where);
      if (top?.schema === undefined) return { unknown: `the registry at ${where} has no schema id ${id}` };
      const references = await referencesOf(get, top, where);
      if (typeof references === 'string') return { unknown: `schema id ${id}: ${references}` };
      return { dataFormat: top.schemaType ?? 'AVRO', definition: top.schema, references };
    },
  };
}

/** The answer of `GET /subjects` as a probe result. */
function subjectsAnswer(where: string, status: number, body: string): RegistryProbe {
  const message = `GET ${where}/subjects answered ${status}`;
  if (status === 200) {
    const count = (() => {
      try {
        const parsed = JSON.parse(body) as unknown;
        return Array.isArray(parsed) ? `${parsed.length} subject(s)` : 'no subject list';
      } catch {
        return 'no JSON';
      }
    })();
    return { ok: true, message: `${message}: ${count}, credentials accepted` };
  }
  if (status === 401 || status === 403) {
    return {
      ok: false,
      failed: 'credentials',
      message,
      cause:
        status === 401
          ? 'the registry wants credentials it did not get or refused'
          : 'the user may not read subjects',
      fix: 'set auth: {type: basic, secret: <ARN>} to a secret whose username/password the registry accepts',
    };
  }
  return {
    ok: false,
    failed: status === 404 ? 'missing' : 'unreachable',
    message: `${message}: ${body.slice(0, 200)}`,
    cause:
      status === 404
        ? 'the URL does not serve the Schema Registry API'
        : 'the registry did not answer normally',
    fix: 'set url to the registry API base (GET <url>/subjects lists the subjects)',
  };
}

/** The `check` step: `GET /subjects` with the source's credentials and root CA. */
async function confluentProbe(settings: ConfluentSettings, deps: RegistryDeps): Promise<RegistryProbe> {
  const where = new URL(settings.url).host;
  let get: Get;
  try {
    get = await connectionOf(settings, deps);
  } catch (err) {
    return {
      ok: false,
      failed: 'credentials',
      message: (err as Error).message,
      cause: 'the credentials or root CA secret could not be read',
      fix: 'store {"username","password"} (auth.secret) and {"certificate"} (rootCaSecret) as JSON secrets',
    };
  }
  try {
    const { status, body } = await get('/subjects');
    return subjectsAnswer(where, status, body);
  } catch (err) {
    const message = `GET ${where}/subjects failed: ${(err as Error).message}`;
    const tls = /certificate|self.signed|unable to verify/i.test((err as Error).message);
    return {
      ok: false,
      failed: 'unreachable',
      message,
      cause: tls ? 'the registry certificate is not trusted' : 'the registry did not answer',
      fix: tls
        ? 'set rootCaSecret to a secret holding the CA that issued the registry certificate'
        : 'check url, DNS and the network path (the enrichment joins the source VPC to reach a private registry)',
    };
  }
}

/**
 * `kms:Decrypt` on the secrets' customer managed key, only through Secrets Manager in the secrets' Region
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html): reading a secret
 * encrypted with such a key needs it, or every batch fails and is retried.
 */
function kmsGrants(settings: ConfluentSettings, context: GrantContext): GrantSpec[] {
  const secret = settings.auth?.secret ?? settings.rootCaSecret;
  if (settings.kmsKeyArn === undefined || secret === undefined) return [];
  const region = /^arn:[^:]+:secretsmanager:([^:]+):/.exec(secret)?.[1] ?? context.region;
  return [
    {
      sid: 'DecryptSchemaRegistrySecrets',
      actions: ['kms:Decrypt'],
      resources: [settings.kmsKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
    },
  ];
}

/** A Confluent-API schema registry. */
export const confluentRegistry: SchemaRegistryModule<'confluent', typeof confluentSettings> = {
  type: 'confluent',
  settings: confluentSettings,
  settingsExample:
    '{type: confluent, url: https://…, auth?: {type: basic, secret: <ARN>}, rootCaSecret?: <ARN>, vpc?: true | {subnetIds, securityGroupIds}}',
  frame: confluentFrame,
  client: confluentClient,
  probe: confluentProbe,
  onboard: [
    { field: 'url', flag: 'registryUrl', prompt: 'Schema registry URL (https://host[:port])' },
    {
      field: 'auth.secret',
      flag: 'registrySecret',
      prompt: 'Full ARN of the secret with the registry {username, password} (empty: no authentication)',
      optional: true,
      implies: { 'auth.type': 'basic' },
    },
    {
      field: 'rootCaSecret',
      flag: 'registryRootCaSecret',
      prompt: 'Full ARN of the secret with the registry root CA {certificate} (empty: a public CA)',
      optional: true,
    },
  ],
  grants: kmsGrants,
  secrets: (settings) => [
    ...(settings.auth ? [settings.auth.secret] : []),
    ...(settings.rootCaSecret ? [settings.rootCaSecret] : []),
  ],
  rules: registryVpcRules,
};
