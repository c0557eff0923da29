/** Auth type `sasl-scram-256`: SASL/SCRAM-SHA-256 with `{username, password}`. */
import { usernamePasswordAuth } from './username-password.js';

/** SASL/SCRAM-SHA-256 (self-managed Kafka only: MSK supports SCRAM-SHA-512). */
export const scramSha256Auth = usernamePasswordAuth('sasl-scram-256', 'saslScram256Auth', 'scram-sha-256');
