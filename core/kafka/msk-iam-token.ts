/**
 * MSK IAM access control for the Kafka clients of this project (poller, `check`, `dlq replay --from-kafka`,
 * the local run): SASL/OAUTHBEARER whose token is a SigV4-presigned `kafka-cluster:Connect` request, made by
 * AWS's signer (aws-msk-iam-sasl-signer-js) with the default credential chain (the Lambda role, the
 * operator's profile or environment) and the cluster's Region.
 * https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html
 * https://github.com/aws/aws-msk-iam-sasl-signer-js
 *
 * The signer's tokens last up to 15 minutes (less when the credentials expire sooner). kafkajs asks for a
 * token on every authentication and re-authenticates a connection before the session lifetime the broker
 * returns in SaslAuthenticate (KIP-368) runs out, so the provider below reuses a token while it has more than
 * {@link TOKEN_REFRESH_MARGIN_MS} left and signs a new one after that.
 */
import type { GenerateAuthTokenResponse } from 'aws-msk-iam-sasl-signer-js';
import type { KafkaSaslOAuthBearer } from './client.js';

/**
 * The signer package, loaded on the first token: bundles of sources with another auth type leave it out
 * (`clientPackages` of pipes/kinds/auth/iam.ts).
 */
export const MSK_IAM_SIGNER_PACKAGE = 'aws-msk-iam-sasl-signer-js';

const signerPackage = () => import('aws-msk-iam-sasl-signer-js');

/** A token is replaced once less than this is left of it (kafkajs' default re-authentication threshold is 10 s). */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

/** AWS credentials as the SDK's credential providers return them. */
export interface AwsCredentialsLike {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Options of {@link mskIamSasl}. */
export interface MskIamOptions {
  /** Region of the cluster (the token is signed for `kafka.<region>.amazonaws.com`). */
  readonly region: string;
  /** Credentials to sign with; default: the SDK's default credential chain. */
  readonly credentials?: () => Promise<AwsCredentialsLike>;
  /** Clock (tests). */
  readonly nowMs?: () => number;
}

/** The SASL/OAUTHBEARER settings of an MSK IAM client (a token provider that caches its token). */
export function mskIamSasl(options: MskIamOptions): KafkaSaslOAuthBearer {
  const now = options.nowMs ?? Date.now;
  const sign = async (): Promise<GenerateAuthTokenResponse> => {
    const signer = await signerPackage();
    return options.credentials
      ? signer.generateAuthTokenFromCredentialsProvider({
          region: options.region,
          awsCredentialsProvider: options.credentials as () => Promise<
            AwsCredentialsLike & { expiration?: Date }
          >,
        })
      : signer.generateAuthToken({ region: options.region });
  };
  let current: Promise<GenerateAuthTokenResponse> | undefined;
  let expiresAt = 0;
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      if (!current || expiresAt - now() < TOKEN_REFRESH_MARGIN_MS) {
        const pending = sign();
        current = pending;
        expiresAt = Number.POSITIVE_INFINITY; // while signing: concurrent callers share this token
        pending.then(
          (token) => {
            if (current === pending) expiresAt = token.expiryTime;
          },
          () => {
            if (current === pending) current = undefined;
          },
        );
      }
      const { token } = await current;
      return { value: token };
    },
  };
}
