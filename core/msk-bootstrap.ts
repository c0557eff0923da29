/**
 * Bootstrap brokers of an Amazon MSK or MSK Serverless cluster, from the MSK API's GetBootstrapBrokers
 * (https://docs.aws.amazon.com/msk/latest/developerguide/msk-get-bootstrap-brokers.html). The response has one
 * broker string per listener (plaintext, TLS, SASL/SCRAM, SASL/IAM; private, public and multi-VPC): which
 * of them a client dials depends on its auth type, so each auth module names its fields
 * (`mskBootstrap` in pipes/kinds/types.ts) and {@link pickBootstrapBrokers} takes the first one present.
 * The SDK package loads on the first lookup (`@aws-sdk/client-kafka`, left to the Lambda runtime).
 */
import type { KafkaClient } from '@aws-sdk/client-kafka';
import { type HttpTimeouts, timedHttpHandler } from './aws-http.js';
import type { ConfigIssue } from './errors.js';
import { once } from './lazy.js';

/** The broker strings of a GetBootstrapBrokers response. */
export const BOOTSTRAP_BROKER_FIELDS = [
  'BootstrapBrokerString',
  'BootstrapBrokerStringTls',
  'BootstrapBrokerStringSaslScram',
  'BootstrapBrokerStringSaslIam',
  'BootstrapBrokerStringPublicTls',
  'BootstrapBrokerStringPublicSaslScram',
  'BootstrapBrokerStringPublicSaslIam',
  'BootstrapBrokerStringVpcConnectivityTls',
  'BootstrapBrokerStringVpcConnectivitySaslScram',
  'BootstrapBrokerStringVpcConnectivitySaslIam',
] as const;

/** One broker string field of GetBootstrapBrokers. */
export type BootstrapBrokerField = (typeof BOOTSTRAP_BROKER_FIELDS)[number];

/** A GetBootstrapBrokers response (the broker strings; absent = the cluster has no such listener). */
export type BootstrapBrokers = Partial<Record<BootstrapBrokerField, string>>;

/** Which broker strings an auth type's client dials (first present wins) and how its listener is named. */
export interface MskBootstrapFields {
  /** Fields in order of preference: the private listener first, then the public one. */
  readonly fields: readonly BootstrapBrokerField[];
  /** The listener in messages and fixes, e.g. `IAM (SASL/IAM)`. */
  readonly listener: string;
}

/** Looks up the broker strings of a cluster ARN. */
export type BootstrapLookup = (clusterArn: string) => Promise<BootstrapBrokers>;

/** Splits a broker string (`host:port,host:port`) into `host:port` entries. */
export function parseBrokerString(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
}

/** The first of `fields` the response has a non-empty broker string for, or undefined. */
export function pickBootstrapBrokers(
  response: BootstrapBrokers,
  fields: readonly BootstrapBrokerField[],
): { readonly field: BootstrapBrokerField; readonly brokers: string[] } | undefined {
  for (const field of fields) {
    const brokers = parseBrokerString(response[field] ?? '');
    if (brokers.length > 0) return { field, brokers };
  }
  return undefined;
}

/** Where a lookup was asked for, for messages: the source file and the auth type. */
export interface BootstrapContext {
  /** The source file (or another label naming the source). */
  readonly file: string;
  readonly clusterArn: string;
  readonly authType: string;
}

/** The issue of a cluster without a broker string for the auth type: which strings it has, and the fix. */
export function missingBootstrapIssue(
  response: BootstrapBrokers,
  wanted: MskBootstrapFields,
  context: BootstrapContext,
): ConfigIssue {
  const present = BOOTSTRAP_BROKER_FIELDS.filter((f) => parseBrokerString(response[f] ?? '').length > 0);
  return {
    file: context.file,
    field: 'brokers',
    message: `Cluster ${context.clusterArn} has no bootstrap broker string for auth type ${context.authType} (${wanted.fields.join(' or ')}); GetBootstrapBrokers returned ${present.length > 0 ? present.join(', ') : 'none'}`,
    fix: `turn on ${wanted.listener} for the cluster (MSK console: the cluster's Properties, Security settings), set auth.type to an auth type the cluster has turned on, or list its bootstrap brokers in brokers`,
  };
}

/**
 * The brokers of `clusterArn` for an auth type.
 * @throws Error carrying the {@link missingBootstrapIssue} text (`issue`) when the cluster has no broker
 * string for it.
 */
export async function lookupBootstrapBrokers(
  lookup: BootstrapLookup,
  wanted: MskBootstrapFields,
  context: BootstrapContext,
): Promise<string[]> {
  const response = await lookup(context.clusterArn);
  const picked = pickBootstrapBrokers(response, wanted.fields);
  if (picked) return picked.brokers;
  throw new MissingBootstrapBrokersError(missingBootstrapIssue(response, wanted, context));
}

/** The cluster has no broker string for the auth type (a configuration problem: retrying cannot fix it). */
export class MissingBootstrapBrokersError extends Error {
  constructor(readonly issue: ConfigIssue) {
    super(`${issue.file}: ${issue.field}: ${issue.message}. Fix: ${issue.fix}`);
    this.name = 'MissingBootstrapBrokersError';
  }
}

/** HTTP timeouts of one GetBootstrapBrokers attempt (a small read). */
export const MSK_HTTP_TIMEOUTS: HttpTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 };

/** Settings of the MSK client (an emulator's endpoint, credentials); the Region comes from the ARN. */
export interface MskClientSettings {
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
}

const kafkaSdk = once(() => import('@aws-sdk/client-kafka'));

/** The Region of a cluster ARN (`arn:<partition>:kafka:<region>:…`). */
function regionOf(clusterArn: string): string | undefined {
  return /^arn:aws[a-z-]*:kafka:([a-z0-9-]+):/.exec(clusterArn)?.[1];
}

/**
 * GetBootstrapBrokers through the AWS SDK, one client per Region (the cluster's, from its ARN), each made on
 * its first lookup.
 */
export function awsBootstrapLookup(settings: MskClientSettings = {}): BootstrapLookup {
  const clients = new Map<string, Promise<KafkaClient>>();
  const clientFor = (region: string | undefined): Promise<KafkaClient> => {
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = kafkaSdk().then(
        ({ KafkaClient }) =>
          new KafkaClient({
            ...settings,
            ...(region ? { region } : {}),
            requestHandler: timedHttpHandler(MSK_HTTP_TIMEOUTS),
          }),
      );
      clients.set(key, client);
      client.catch(() => clients.delete(key));
    }
    return client;
  };
  return async (clusterArn) => {
    const [client, { GetBootstrapBrokersCommand }] = await Promise.all([
      clientFor(regionOf(clusterArn)),
      kafkaSdk(),
    ]);
    const out = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
    return Object.fromEntries(
      BOOTSTRAP_BROKER_FIELDS.flatMap((f) => (typeof out[f] === 'string' ? [[f, out[f]]] : [])),
    ) as BootstrapBrokers;
  };
}
