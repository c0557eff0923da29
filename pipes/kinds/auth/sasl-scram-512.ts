/** Auth type `sasl-scram-512`: SASL/SCRAM-SHA-512 with `{username, password}`. */
import { usernamePasswordAuth } from './username-password.js';

/** SASL/SCRAM-SHA-512. */
export const scramSha512Auth = usernamePasswordAuth('sasl-scram-512', 'saslScram512Auth', 'scram-sha-512', {
  fields: ['BootstrapBrokerStringSaslScram', 'BootstrapBrokerStringPublicSaslScram'],
  listener: 'SASL/SCRAM authentication',
});
