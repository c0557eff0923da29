/**
 * The diagnoses of `check`: a failed DNS lookup, TCP connect, TLS handshake or Kafka request mapped to the
 * message, the likely cause and the fix. Pure: they read the error and the plan only.
 */
import type { KafkaTlsMaterial } from '../../core/kafka/client.js';
import { classifyKafkaError } from '../../core/kafka/failures.js';
import { AUTH_KINDS, authKind } from '../../pipes/kinds/registry.js';
import type { AuthSecret } from '../../pipes/kinds/types.js';
import { certName, parseCertBundle } from '../preflight/pem.js';
import { hostOf, portOf } from '../shared/brokers.js';
import type { CheckStep, CheckStepId } from './engine.js';
import { ProbeTimeoutError, type TlsProbeError } from './net-probe.js';
import type { CheckPlan } from './plan.js';

/** What a diagnosis fills in of a step. */
export type Diagnosis = Pick<CheckStep, 'message' | 'cause' | 'fix'>;

/** Maps a network error code of DNS / TCP to cause and fix. */
export function diagnoseNetwork(step: 'dns' | 'tcp', broker: string, err: unknown): Diagnosis {
  const e = err as NodeJS.ErrnoException;
  const host = hostOf(broker);
  if (e instanceof ProbeTimeoutError) return networkTimeout(step, broker, e);
  switch (e.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        message: `${host} does not resolve (${e.code})`,
        cause: 'the broker host name is wrong or only resolvable inside another network (private DNS)',
        fix: 'fix brokers in the source file, or run the check from inside the VPC / on-prem network',
      };
    case 'ECONNREFUSED':
      return {
        message: `connection to ${broker} refused`,
        cause: 'nothing listens on that port (wrong port, or the broker is down)',
        fix: `check the listener port in the broker's listeners / advertised.listeners and the brokers field`,
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return {
        message: `${broker} is unreachable (${e.code})`,
        cause: 'no route to the host from here',
        fix: 'check routing / VPN / VPC peering to the broker network',
      };
    default:
      return {
        message: `${broker}: ${e.message}`,
        cause: e.code ?? 'network error',
        fix: 'check the broker address',
      };
  }
}

function networkTimeout(step: 'dns' | 'tcp', broker: string, e: ProbeTimeoutError): Diagnosis {
  return step === 'dns'
    ? {
        message: e.message,
        cause: 'the DNS server does not answer',
        fix: 'check the resolver (VPC DNS, /etc/resolv.conf)',
      }
    : {
        message: e.message,
        cause: 'packets are dropped: a firewall, security group or NACL blocks the port, or the host is down',
        fix: `allow TCP ${portOf(broker)} from this network to ${hostOf(broker)} (security group / firewall rules)`,
      };
}

/** The auth types whose secret holds `material` (from the registry), for fixes, e.g. `a or b`. */
function authTypesWith(material: AuthSecret['material']): string {
  return AUTH_KINDS.filter((k) => k.secret?.material === material)
    .map((k) => k.type)
    .join(' or ');
}

/** A failed TLS probe, with the names its diagnoses quote. */
interface TlsFailure {
  readonly broker: string;
  readonly code: string;
  readonly error: TlsProbeError;
  readonly tls: KafkaTlsMaterial;
  /** `broker certificate CN=… (issuer CN=…)`, or `the broker certificate` when none was received. */
  readonly leafName: string;
}

const CA_FIX =
  'put the CA that issued the broker certificate (root, and intermediates the broker does not send) into rootCaSecret or --ca';

/** Diagnoses by OpenSSL / Node.js error code (data table: one entry per code). */
const TLS_DIAGNOSES: Readonly<Record<string, (f: TlsFailure) => Diagnosis>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: caMissing,
  UNABLE_TO_GET_ISSUER_CERT: caMissing,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: caMissing,
  SELF_SIGNED_CERT_IN_CHAIN: selfSigned,
  DEPTH_ZERO_SELF_SIGNED_CERT: selfSigned,
  CERT_HAS_EXPIRED: (f) => ({
    message: `${f.leafName} has expired (valid to ${f.error.peer?.[0]?.validTo ?? 'unknown'}): ${f.code}`,
    cause: 'a certificate of the broker chain is past its notAfter date',
    fix: 'renew the broker certificate (or the expired CA) on the cluster',
  }),
  CERT_NOT_YET_VALID: (f) => ({
    message: `${f.leafName} is not yet valid: ${f.code}`,
    cause: 'clock skew or a certificate issued for the future',
    fix: 'check clocks (NTP) on both sides',
  }),
  ERR_TLS_CERT_ALTNAME_INVALID: (f) => {
    const san = f.error.peer?.[0]?.san;
    return {
      message: `hostname mismatch: ${f.error.message}`,
      cause: `${hostOf(f.broker)} is not in the SAN of the ${f.leafName}${san ? ` (${san})` : ''}`,
      fix: 'connect with a host name listed in the SAN, or reissue the broker certificate with this name',
    };
  },
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: handshakeEnded,
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: handshakeEnded,
  // TLS alerts 42, 43, 45, 46, 48 (RFC 8446 section 6.2): the broker refused the client certificate.
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: clientCertificateRejected,
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: clientCertificateRejected,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: clientCertificateRejected,
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: clientCertificateRejected,
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: clientCertificateRejected,
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: handshakeEnded,
  // Refused locally, before any byte is sent: the client certificate and key do not make a pair.
  ERR_OSSL_X509_KEY_VALUES_MISMATCH: keyMismatch,
  ERR_OSSL_BAD_DECRYPT: keyNotDecrypted,
  ERR_OSSL_EVP_BAD_DECRYPT: keyNotDecrypted,
  ECONNRESET: handshakeEnded,
  ECLOSED: handshakeEnded,
  EPIPE: handshakeEnded,
  ERR_SSL_WRONG_VERSION_NUMBER: notTls,
  EPROTO: notTls,
};

/** Maps a TLS failure to the certificate at fault, the cause and the fix. */
export function diagnoseTls(
  broker: string,
  err: unknown,
  tls: KafkaTlsMaterial,
): Pick<CheckStep, 'message' | 'cause' | 'fix' | 'details'> {
  if (err instanceof ProbeTimeoutError) {
    return {
      message: err.message,
      cause: 'the listener accepted TCP but never completed a TLS handshake: it is probably PLAINTEXT',
      fix: 'use the TLS (SSL / SASL_SSL) listener port, or check the source without TLS',
    };
  }
  const error = err as TlsProbeError;
  const code = error.code ?? (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const leaf = error.peer?.[0];
  const leafName = leaf
    ? `broker certificate CN=${leaf.subject} (issuer CN=${leaf.issuer})`
    : 'the broker certificate';
  const diagnose = TLS_DIAGNOSES[code] ?? unknownTlsFailure;
  const details = { code, peerChain: error.peer ?? [] };
  return { ...diagnose({ broker, code, error, tls, leafName }), details };
}

function caMissing(f: TlsFailure): Diagnosis {
  return {
    message: `${f.leafName} cannot be verified: ${f.code}`,
    cause: f.tls.ca
      ? 'the CA bundle does not contain the issuer of the broker certificate (wrong CA, or an intermediate is missing)'
      : 'the broker uses a private CA and no root CA was given',
    fix: CA_FIX,
  };
}

function selfSigned(f: TlsFailure): Diagnosis {
  return {
    message: `${f.leafName} chains to a self-signed CA that is not trusted: ${f.code}`,
    cause: 'the root CA of the broker chain is not in the CA bundle',
    fix: CA_FIX,
  };
}

/** The broker ended the handshake: no client certificate, a rejected one, or a PLAINTEXT listener. */
function handshakeEnded(f: TlsFailure): Diagnosis {
  if ((f.error.peer ?? []).length === 0 && !f.code.startsWith('ERR_SSL')) {
    // Closed before the broker sent any certificate: a PLAINTEXT listener drops the ClientHello
    // (Kafka reads it as a request of ~370 MB and closes the connection).
    return {
      message: `the connection closed before the TLS handshake (${f.code})`,
      cause: 'the port is a PLAINTEXT (or SASL_PLAINTEXT) listener, not TLS',
      fix: 'use the TLS (SSL / SASL_SSL) listener port, or check with --tls off',
    };
  }
  const noCert = !f.tls.cert;
  return {
    message: `the broker ended the handshake (${f.code}: ${f.error.message})`,
    cause: noCert
      ? 'the listener requires a client certificate (ssl.client.auth=required) and none was sent'
      : 'the broker rejected the client certificate (its CA is not in the broker truststore, or it expired)',
    fix: noCert
      ? `use auth type ${authTypesWith('client-certificate')} with a client certificate secret, or pass --cert and --key`
      : "add the client certificate's CA to the broker's ssl.truststore, or renew the client certificate",
  };
}

/** The client leaf (first non-CA certificate of the chain sent) and the root its chain ends at. */
function clientChainNames(tls: KafkaTlsMaterial): { leaf: string; issuer: string; top: string } | undefined {
  const certs = tls.cert ? parseCertBundle(tls.cert).certs : [];
  const leaf = certs.find((c) => !c.isCa) ?? certs[0];
  const top = certs[certs.length - 1];
  if (!leaf || !top) return undefined;
  return {
    leaf: certName(leaf),
    issuer: certName({ subject: leaf.issuer }),
    top: top.selfSigned ? certName(top) : certName({ subject: top.issuer }),
  };
}

/** The broker answered the client certificate with a TLS alert: it does not trust it (or it expired). */
function clientCertificateRejected(f: TlsFailure): Diagnosis {
  const names = clientChainNames(f.tls);
  if (!names) return handshakeEnded(f);
  const expired = f.code.endsWith('CERTIFICATE_EXPIRED');
  return {
    message: `the broker rejected the client certificate ${names.leaf} (issuer ${names.issuer}) with a TLS alert (${f.code})`,
    cause: expired
      ? `the broker finds ${names.leaf} or a CA of its chain expired`
      : `the broker's truststore has no CA that issued ${names.leaf}: its chain ends at ${names.top}, which the broker does not trust (or the certificate lacks the clientAuth usage)`,
    fix: expired
      ? `renew ${names.leaf} and store the new chain in the auth.secret`
      : `add ${names.top} to the broker's truststore (ssl.truststore.location, then restart or reconfigure the listener), or use a client certificate issued by a CA the broker trusts`,
  };
}

/** The client key does not belong to the client certificate: TLS refuses the pair before connecting. */
function keyMismatch(f: TlsFailure): Diagnosis {
  const leaf = clientChainNames(f.tls)?.leaf ?? 'the client certificate';
  return {
    message: `the private key does not belong to the client certificate ${leaf} (${f.code})`,
    cause: `the key given (privateKey of the auth.secret, or --key) was made for another certificate, so no TLS connection can start`,
    fix: `store the key ${leaf} was issued for (kafka-pipes preflight <source> checks the pair: client-key-match)`,
  };
}

function keyNotDecrypted(f: TlsFailure): Diagnosis {
  return {
    message: `the encrypted client key cannot be decrypted (${f.code})`,
    cause: 'privateKeyPassword (or --key-password) is not the password the key was encrypted with',
    fix: 'store the password the key was encrypted with as privateKeyPassword',
  };
}

function notTls(f: TlsFailure): Diagnosis {
  return {
    message: `not a TLS listener (${f.code})`,
    cause: 'the port speaks PLAINTEXT (or SASL_PLAINTEXT)',
    fix: 'use the TLS listener port, or check with --tls off',
  };
}

function unknownTlsFailure(f: TlsFailure): Diagnosis {
  return {
    message: `TLS failed: ${f.code} ${f.error.message}`,
    cause: `OpenSSL reported ${f.code} during the handshake`,
    fix: 'check the same material with kafka-pipes preflight <source>, and the broker log for its side of the handshake',
  };
}

const ACL_ERRORS = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
]);

/** Maps a kafkajs admin error of the SASL / metadata steps to cause and fix. */
export function diagnoseKafka(step: CheckStepId, err: unknown, plan: CheckPlan): Diagnosis {
  if (err instanceof ProbeTimeoutError) {
    return {
      message: err.message,
      cause:
        'the broker accepted the connection but did not answer in time (overloaded, or the advertised listeners point elsewhere)',
      fix: 'check advertised.listeners resolve and are reachable from here; raise --timeout',
    };
  }
  const f = classifyKafkaError(err);
  const { client } = authKind(plan.authType);
  if (f.kind === 'sasl' && client.supported && client.refused) {
    return { message: `SASL authentication failed: ${f.message}`, ...client.refused };
  }
  if (f.kind === 'sasl') {
    return {
      message: `SASL authentication failed: ${f.message}`,
      cause: `wrong user name or password for ${plan.sasl?.mechanism ?? 'SASL'}, or the user has no SCRAM credentials for this mechanism`,
      fix: `check the auth.secret {username, password} and the auth type (${authTypesWith('username-password')}: the one the user has credentials for)`,
    };
  }
  if (f.type !== undefined && ACL_ERRORS.has(f.type)) {
    return {
      message: `${f.type}: ${f.message}`,
      cause: 'the principal lacks an ACL',
      fix: `grant Describe/Read on topic ${plan.topic} and Describe/Read on group ${plan.groupId}`,
    };
  }
  if (f.kind === 'connection') {
    return {
      message: `${f.name}: ${f.message}`,
      cause:
        step === 'sasl'
          ? 'the connection failed after the handshake (advertised listener unreachable?)'
          : 'connection lost',
      fix: 'check that the advertised listeners are reachable from here',
    };
  }
  return {
    message: `${f.name}: ${f.message}`,
    cause: f.type ?? f.kind,
    fix: 'see the broker logs for this request',
  };
}
