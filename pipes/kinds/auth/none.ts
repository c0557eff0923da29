/** Auth type `none`: PLAINTEXT or server-authenticated TLS, no client credentials. */
import type { AuthKind } from '../types.js';

/** No client authentication. */
export const noneAuth: AuthKind<'none'> = {
  type: 'none',
  requiresTls: false,
  tlsByDefault: false,
  client: { supported: true, clientAuth: () => ({}) },
  pipeGrants: () => [],
  // MSK listeners are TLS (the msk kinds' tlsByDefault): unauthenticated access over TLS.
  mskBootstrap: {
    fields: ['BootstrapBrokerStringTls', 'BootstrapBrokerStringPublicTls'],
    listener: 'unauthenticated access with TLS encryption',
  },
  rules: [],
};
