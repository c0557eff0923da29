/** Auth type `none`: PLAINTEXT or server-authenticated TLS, no client credentials. */
import type { AuthKind } from '../types.js';

/** No client authentication. */
export const noneAuth: AuthKind<'none'> = {
  type: 'none',
  requiresTls: false,
  tlsByDefault: false,
  client: { supported: true, clientAuth: () => ({}) },
  pipeGrants: () => [],
  rules: [],
};
