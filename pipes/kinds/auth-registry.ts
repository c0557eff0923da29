/**
 * The auth types of the kind registry (`pipes/kinds/registry.ts` re-exports everything here). They sit
 * in their own list because the fallback poller Lambda needs only them — the Kafka client options an
 * auth type builds from its secret — and this file imports no schema library, so the poller bundle
 * stays free of the source-file schema (`pipes/source-schema.ts`, the target kinds' zod schemas).
 *
 * Adding an auth type is one module in `pipes/kinds/auth/` plus one line in `AUTH_KINDS` below.
 */
import { basicAuth } from './auth/basic.js';
import { iamAuth } from './auth/iam.js';
import { mtlsAuth } from './auth/mtls.js';
import { noneAuth } from './auth/none.js';
import { scramSha256Auth } from './auth/sasl-scram-256.js';
import { scramSha512Auth } from './auth/sasl-scram-512.js';
import type { AuthKind } from './types.js';

/** Auth types, in the order the schema and the messages list them. */
export const AUTH_KINDS = [
  noneAuth,
  scramSha256Auth,
  scramSha512Auth,
  basicAuth,
  mtlsAuth,
  iamAuth,
] as const satisfies readonly AuthKind[];

/** An authentication type (`auth.type`). */
export type AuthType = (typeof AUTH_KINDS)[number]['type'];

/** Every auth type (for `z.enum`). */
export const AUTH_TYPES = AUTH_KINDS.map((k) => k.type) as unknown as readonly [AuthType, ...AuthType[]];

/** The auth type of a source file without `auth`. */
export const DEFAULT_AUTH_TYPE = noneAuth.type;

const AUTH = new Map<unknown, AuthKind>(AUTH_KINDS.map((k) => [k.type, k]));

/** The module of an auth type, or undefined for a value that is not one. */
export function findAuthKind(type: unknown): AuthKind | undefined {
  return AUTH.get(type);
}

/** The module of an auth type. @throws Error for an unknown type. */
export function authKind(type: string): AuthKind {
  const found = findAuthKind(type);
  if (found === undefined)
    throw new Error(`Unknown auth type "${type}": use one of ${AUTH_TYPES.join(', ')}`);
  return found;
}

/** The auth types the project's Kafka client (poller, `check`, `dlq replay --from-kafka`) can use. */
export const CLIENT_AUTH_KINDS: readonly AuthKind[] = AUTH_KINDS.filter((k) => k.client.supported);
