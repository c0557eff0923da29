/**
 * SASL/OAUTHBEARER for kafkajs with the whole RFC 7628 exchange. kafkajs 2.2.4's built-in OAUTHBEARER
 * (src/broker/saslAuthenticator/oauthBearer.js) sends the client's initial response and ignores the server's
 * answer. A Kafka broker that refuses the token does not fail that request: it answers with an error
 * challenge (`{"status":"invalid_token"}`, RFC 7628 section 3.2.2) and waits for the client's `%x01`
 * (Kafka's OAuthBearerSaslServer), so kafkajs took the refusal for a success and its next request broke
 * the connection ("Unexpected Kafka request … during SASL authentication") — a refused token looked like a
 * network failure. This authenticator reads the answer, sends `%x01` after an error challenge, and fails
 * with the broker's reason as a KafkaJSSASLAuthenticationError.
 * https://datatracker.ietf.org/doc/html/rfc7628#section-3.2.2
 * https://kafka.apache.org/documentation/#security_sasl_oauthbearer
 */
import type { AuthenticationProviderArgs, Mechanism } from 'kafkajs';
import errors from 'kafkajs/src/errors.js';
import type { KafkaSaslOAuthBearer } from './client.js';

/** kafkajs' SASL error (from its errors file, see core/kafka/failures.ts); its typings omit the arguments. */
const SaslError = errors.KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
  options?: { cause?: unknown },
) => Error;

/** US-ASCII SOH, the separator of RFC 7628 messages. */
const SOH = '\u0001';

/** The SASL bytes as kafkajs' SaslAuthenticate request takes them (Kafka BYTES: int32 length, then data). */
function saslBytes(data: Buffer): { encode: () => Promise<Buffer> } {
  return {
    encode: async () => {
      const out = Buffer.alloc(4 + data.length);
      out.writeInt32BE(data.length, 0);
      data.copy(out, 4);
      return out;
    },
  };
}

/** Reads the server's SASL bytes (kafkajs hands them over length-prefixed). */
const serverBytes = {
  decode: async (raw: Buffer) => {
    const length = raw.length >= 4 ? raw.readInt32BE(0) : -1;
    return length > 0 ? raw.subarray(4, 4 + length) : Buffer.alloc(0);
  },
  parse: async (bytes: Buffer) => bytes,
};

/** The client's initial response: GS2 header, `auth=Bearer <token>`, no extensions (RFC 7628 section 3.1). */
export function initialResponse(token: string): Buffer {
  return Buffer.from(`n,,${SOH}auth=Bearer ${token}${SOH}${SOH}`, 'utf8');
}

/** kafkajs' `sasl` option for OAUTHBEARER with this authenticator. */
export function oauthBearerMechanism(sasl: KafkaSaslOAuthBearer): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, saslAuthenticate }: AuthenticationProviderArgs) => ({
      authenticate: async () => {
        const broker = `${host}:${port}`;
        const token = await sasl.oauthBearerProvider().catch((error: unknown) => {
          throw new SaslError(`SASL OAUTHBEARER: no token for ${broker}: ${(error as Error).message}`, {
            cause: error,
          });
        });
        let challenge: Buffer | undefined;
        try {
          challenge = (await saslAuthenticate({
            request: saslBytes(initialResponse(token.value)),
            response: serverBytes,
          })) as Buffer | undefined;
          // An error challenge: acknowledge it with %x01; the broker then fails the exchange with its reason.
          if (challenge && challenge.length > 0) {
            await saslAuthenticate({ request: saslBytes(Buffer.from(SOH)), response: serverBytes });
          }
        } catch (error) {
          throw new SaslError(`SASL OAUTHBEARER authentication failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
        if (challenge && challenge.length > 0) {
          throw new SaslError(`SASL OAUTHBEARER authentication failed: ${challenge.toString('utf8')}`);
        }
      },
    }),
  };
}
