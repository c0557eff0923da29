/**
 * The auth types whose secret is `{username, password}` (SASL/SCRAM-SHA-256, SASL/SCRAM-SHA-512, SASL/PLAIN
 * as Pipes' BASIC_AUTH): one factory, one module per type.
 */
import type { MskBootstrapFields } from '../../../core/msk-bootstrap.js';
import type { AuthKind, SaslMechanism } from '../types.js';

/** Builds a `{username, password}` auth type. */
export function usernamePasswordAuth<T extends string>(
  type: T,
  pipeCredential: 'basicAuth' | 'saslScram256Auth' | 'saslScram512Auth',
  mechanism: SaslMechanism,
  /** The MSK listener of the mechanism, when MSK has one (SASL/SCRAM-SHA-512 only). */
  mskBootstrap?: MskBootstrapFields,
): AuthKind<T> {
  return {
    type,
    pipeCredential,
    secret: {
      fields: ['username', 'password'],
      material: 'username-password',
      content: 'the username/password secret',
      fix: 'set auth.secret to the secret holding {"username", "password"}',
      prompt: 'Secrets Manager secret (ARN or name) with the credentials',
    },
    requiresTls: false,
    tlsByDefault: true,
    client: {
      supported: true,
      clientAuth: (secret) => {
        if (!secret) throw new Error(`auth type ${type} needs its secret`);
        return {
          sasl: { mechanism, username: secret.required('username'), password: secret.required('password') },
        };
      },
    },
    pipeGrants: () => [],
    ...(mskBootstrap ? { mskBootstrap } : {}),
    rules: [],
  };
}
