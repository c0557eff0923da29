/**
 * Auth type `mtls`: a TLS client certificate from a secret in the Pipes format
 * `{certificate, privateKey, privateKeyPassword?}` (certificate chain leaf first; PKCS#8 key).
 */
import type { AuthKind } from '../types.js';

/** Mutual TLS. */
export const mtlsAuth: AuthKind<'mtls'> = {
  type: 'mtls',
  pipeCredential: 'clientCertificateTlsAuth',
  secret: {
    fields: ['certificate', 'privateKey', 'privateKeyPassword'],
    material: 'client-certificate',
    content: 'the client certificate secret',
    fix: 'set auth.secret to the secret holding {"certificate", "privateKey", "privateKeyPassword"?}',
    prompt: 'Secrets Manager secret (ARN or name) with the credentials',
  },
  requiresTls: true,
  tlsByDefault: true,
  client: {
    supported: true,
    clientAuth: (secret) => {
      if (!secret) throw new Error('auth type mtls needs its secret');
      const passphrase = secret.optional('privateKeyPassword');
      return {
        clientCertificate: {
          cert: secret.required('certificate'),
          key: secret.required('privateKey'),
          ...(passphrase !== undefined ? { passphrase } : {}),
        },
      };
    },
  },
  pipeGrants: () => [],
  mskBootstrap: {
    fields: ['BootstrapBrokerStringTls', 'BootstrapBrokerStringPublicTls'],
    listener: 'TLS client authentication',
  },
  rules: [],
};
