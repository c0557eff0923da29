/**
 * `kafka-pipes check <source>`: connects to the live cluster with the source's own settings and reports
 * each step with its time — DNS, TCP, TLS handshake, SASL, metadata, topic, partitions, consumer group
 * and lag — and, on failure, the likely cause and the fix. Every step is bounded; later steps are skipped
 * once one fails.
 */
import { performance } from 'node:perf_hooks';
import {
  type AdminProbe,
  classifyKafkaError,
  type KafkaConnection,
  type KafkaSaslCredentials,
  type KafkaTlsMaterial,
  openAdminProbe,
} from '../../core/kafka-client.js';
import { didYouMean } from '../../pipes/load-sources.js';
import { hostOf } from '../preflight/engine.js';
import type { CliAwsClients } from '../shared/aws.js';
import { loadMaterial, type MaterialFlags } from '../shared/material.js';
import { EXIT_CODES, type ExitCode, marker, type Output, usageError } from '../shared/output.js';
import { resolveSource } from '../shared/sources.js';
import {
  ProbeTimeoutError,
  plaintextKafkaProbe,
  resolveHost,
  type TlsProbeError,
  tcpConnect,
  tlsKafkaProbe,
  withTimeout,
} from './net-probe.js';

/** Default bound of each step. */
export const CHECK_STEP_TIMEOUT_MS = 10_000;

/** kafkajs retries of the admin requests (SASL failures are not retried by kafkajs). */
const CHECK_KAFKA_RETRIES = 4;

/** Step ids, in the order they run. */
export const CHECK_STEPS = ['dns', 'tcp', 'tls', 'sasl', 'metadata', 'topic', 'partitions', 'group'] as const;
/** One of {@link CHECK_STEPS}. */
export type CheckStepId = (typeof CHECK_STEPS)[number];

/** One reported step. */
export interface CheckStep {
  readonly step: CheckStepId;
  /** Broker the step ran against, for per-broker steps. */
  readonly target?: string;
  readonly status: 'pass' | 'warn' | 'fail' | 'skip';
  readonly ms: number;
  readonly message: string;
  /** Likely cause (failures and warnings). */
  readonly cause?: string;
  readonly fix?: string;
  /** Structured details for --json (partitions, lag, peer chain …). */
  readonly details?: unknown;
}

/** What `check` connects with. */
export interface CheckPlan {
  readonly sourceName: string;
  readonly brokers: readonly string[];
  /** TLS material, or undefined for PLAINTEXT. */
  readonly tls?: KafkaTlsMaterial;
  readonly sasl?: KafkaSaslCredentials;
  /** Auth type of the source (iam is reported as not checkable). */
  readonly authType: string;
  readonly topic: string;
  readonly groupId: string;
  readonly engine: 'pipe' | 'poller';
  readonly stepTimeoutMs: number;
}

/** Result of a check run. */
export interface CheckReport {
  readonly source: string;
  readonly ok: boolean;
  readonly steps: readonly CheckStep[];
}

function portOf(broker: string): number {
  return Number(broker.slice(broker.lastIndexOf(':') + 1));
}

/** Maps a network error code of DNS / TCP to cause and fix. */
export function diagnoseNetwork(
  step: 'dns' | 'tcp',
  broker: string,
  err: unknown,
): Pick<CheckStep, 'message' | 'cause' | 'fix'> {
  const e = err as NodeJS.ErrnoException;
  const host = hostOf(broker);
  if (e instanceof ProbeTimeoutError) {
    return step === 'dns'
      ? {
          message: e.message,
          cause: 'the DNS server does not answer',
          fix: 'check the resolver (VPC DNS, /etc/resolv.conf)',
        }
      : {
          message: e.message,
          cause:
            'packets are dropped: a firewall, security group or NACL blocks the port, or the host is down',
          fix: `allow TCP ${portOf(broker)} from this network to ${host} (security group / firewall rules)`,
        };
  }
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
  const e = err as TlsProbeError;
  const code = e.code ?? (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const leaf = e.peer?.[0];
  const leafName = leaf
    ? `broker certificate CN=${leaf.subject} (issuer CN=${leaf.issuer})`
    : 'the broker certificate';
  const details = { code, peerChain: e.peer ?? [] };
  const caFix =
    'put the CA that issued the broker certificate (root, and intermediates the broker does not send) into rootCaSecret or --ca';
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return {
        message: `${leafName} cannot be verified: ${code}`,
        cause: tls.ca
          ? 'the CA bundle does not contain the issuer of the broker certificate (wrong CA, or an intermediate is missing)'
          : 'the broker uses a private CA and no root CA was given',
        fix: caFix,
        details,
      };
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return {
        message: `${leafName} chains to a self-signed CA that is not trusted: ${code}`,
        cause: 'the root CA of the broker chain is not in the CA bundle',
        fix: caFix,
        details,
      };
    case 'CERT_HAS_EXPIRED':
      return {
        message: `${leafName} has expired (valid to ${leaf?.validTo ?? 'unknown'}): ${code}`,
        cause: 'a certificate of the broker chain is past its notAfter date',
        fix: 'renew the broker certificate (or the expired CA) on the cluster',
        details,
      };
    case 'CERT_NOT_YET_VALID':
      return {
        message: `${leafName} is not yet valid: ${code}`,
        cause: 'clock skew or a certificate issued for the future',
        fix: 'check clocks (NTP) on both sides',
        details,
      };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        message: `hostname mismatch: ${e.message}`,
        cause: `${hostOf(broker)} is not in the SAN of the ${leafName}${leaf?.san ? ` (${leaf.san})` : ''}`,
        fix: 'connect with a host name listed in the SAN, or reissue the broker certificate with this name',
        details,
      };
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED':
    case 'ECONNRESET':
    case 'ECLOSED':
    case 'EPIPE': {
      if ((e.peer ?? []).length === 0 && !code.startsWith('ERR_SSL')) {
        // Closed before the broker sent any certificate: a PLAINTEXT listener drops the ClientHello
        // (Kafka reads it as a request of ~370 MB and closes the connection).
        return {
          message: `the connection closed before the TLS handshake (${code})`,
          cause: 'the port is a PLAINTEXT (or SASL_PLAINTEXT) listener, not TLS',
          fix: 'use the TLS (SSL / SASL_SSL) listener port, or check with --tls off',
          details,
        };
      }
      const noCert = !tls.cert;
      return {
        message: `the broker ended the handshake (${code}: ${e.message})`,
        cause: noCert
          ? 'the listener requires a client certificate (ssl.client.auth=required) and none was sent'
          : 'the broker rejected the client certificate (its CA is not in the broker truststore, or it expired)',
        fix: noCert
          ? 'use auth type mtls with a client certificate secret, or pass --cert and --key'
          : "add the client certificate's CA to the broker's ssl.truststore, or renew the client certificate",
        details,
      };
    }
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'EPROTO':
      return {
        message: `not a TLS listener (${code})`,
        cause: 'the port speaks PLAINTEXT (or SASL_PLAINTEXT)',
        fix: 'use the TLS listener port, or check with --tls off',
        details,
      };
    default:
      return {
        message: `TLS failed: ${code} ${e.message}`,
        cause: code,
        fix: 'see the OpenSSL error above',
        details,
      };
  }
}

/** Maps a kafkajs admin error of the SASL / metadata steps to cause and fix. */
export function diagnoseKafka(
  step: CheckStepId,
  err: unknown,
  plan: CheckPlan,
): Pick<CheckStep, 'message' | 'cause' | 'fix'> {
  if (err instanceof ProbeTimeoutError) {
    return {
      message: err.message,
      cause:
        'the broker accepted the connection but did not answer in time (overloaded, or the advertised listeners point elsewhere)',
      fix: 'check advertised.listeners resolve and are reachable from here; raise --timeout',
    };
  }
  const f = classifyKafkaError(err);
  if (f.kind === 'sasl') {
    return {
      message: `SASL authentication failed: ${f.message}`,
      cause: `wrong user name or password for ${plan.sasl?.mechanism ?? 'SASL'}, or the user has no SCRAM credentials for this mechanism`,
      fix: 'check the auth.secret {username, password} and the mechanism (sasl-scram-256 vs sasl-scram-512)',
    };
  }
  if (
    f.type === 'TOPIC_AUTHORIZATION_FAILED' ||
    f.type === 'GROUP_AUTHORIZATION_FAILED' ||
    f.type === 'CLUSTER_AUTHORIZATION_FAILED'
  ) {
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

/**
 * Runs every step. `onStep` is called as each step finishes (live output).
 * @example await runCheck({ sourceName: 'orders', brokers: ['b1:9093'], tls: { ca }, authType: 'mtls', … })
 */
export async function runCheck(
  plan: CheckPlan,
  onStep: (s: CheckStep) => void = () => {},
): Promise<CheckReport> {
  const steps: CheckStep[] = [];
  const push = (s: CheckStep) => {
    steps.push(s);
    onStep(s);
  };
  const timed = async <T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> => {
    const t0 = performance.now();
    try {
      const value = await fn();
      return { ms: Math.round(performance.now() - t0), value };
    } catch (error) {
      return { ms: Math.round(performance.now() - t0), error };
    }
  };
  const T = plan.stepTimeoutMs;
  const skipRest = (from: CheckStepId, why: string) => {
    for (const step of CHECK_STEPS.slice(CHECK_STEPS.indexOf(from)))
      push({ step, status: 'skip', ms: 0, message: why });
  };

  // 1–3: per broker.
  let reachable = 0;
  for (const broker of plan.brokers) {
    const host = hostOf(broker);
    const port = portOf(broker);
    const dns = await timed(() => resolveHost(host, T));
    if (dns.error) {
      push({
        step: 'dns',
        target: broker,
        status: 'fail',
        ms: dns.ms,
        ...diagnoseNetwork('dns', broker, dns.error),
      });
      continue;
    }
    push({
      step: 'dns',
      target: broker,
      status: 'pass',
      ms: dns.ms,
      message: `${host} → ${(dns.value ?? []).join(', ')}`,
    });
    const tcp = await timed(() => tcpConnect(host, port, T));
    if (tcp.error) {
      push({
        step: 'tcp',
        target: broker,
        status: 'fail',
        ms: tcp.ms,
        ...diagnoseNetwork('tcp', broker, tcp.error),
      });
      continue;
    }
    push({ step: 'tcp', target: broker, status: 'pass', ms: tcp.ms, message: `connected to ${broker}` });
    if (plan.tls) {
      const tls = await timed(() => tlsKafkaProbe(host, port, plan.tls as KafkaTlsMaterial, T));
      if (tls.error) {
        push({
          step: 'tls',
          target: broker,
          status: 'fail',
          ms: tls.ms,
          ...diagnoseTls(broker, tls.error, plan.tls),
        });
        continue;
      }
      const leaf = tls.value?.chain[0];
      push({
        step: 'tls',
        target: broker,
        status: 'pass',
        ms: tls.ms,
        message: `${tls.value?.protocol ?? 'TLS'} verified${leaf ? `: CN=${leaf.subject} issued by CN=${leaf.issuer}, valid to ${leaf.validTo}` : ''}${plan.tls.cert ? ', client certificate accepted' : ''}`,
        details: tls.value,
      });
    } else {
      const kafka = await timed(() => plaintextKafkaProbe(host, port, T));
      if (kafka.error) {
        push({
          step: 'tls',
          target: broker,
          status: 'fail',
          ms: kafka.ms,
          message: `no Kafka answer over PLAINTEXT: ${(kafka.error as Error).message}`,
          cause: 'the port expects TLS (SSL / SASL_SSL listener)',
          fix: 'set rootCaSecret / auth for TLS, or pass --tls on',
        });
        continue;
      }
      push({
        step: 'tls',
        target: broker,
        status: 'skip',
        ms: kafka.ms,
        message: 'PLAINTEXT listener (no TLS); Kafka answered ApiVersions',
      });
    }
    reachable++;
  }
  if (reachable === 0) {
    skipRest('sasl', 'no broker reachable');
    return { source: plan.sourceName, ok: false, steps };
  }
  if (plan.authType === 'iam') {
    push({
      step: 'sasl',
      status: 'skip',
      ms: 0,
      message: 'IAM authentication cannot be checked from this CLI (kafkajs has no AWS_MSK_IAM mechanism)',
      fix: 'check the Pipe role has kafka-cluster:Connect/DescribeGroup/AlterGroup/DescribeTopic/ReadData',
    });
    skipRest('metadata', 'IAM auth not checkable');
    return { source: plan.sourceName, ok: !steps.some((s) => s.status === 'fail'), steps };
  }

  // 4: SASL (or the plain connect) via the admin client.
  const conn: KafkaConnection = {
    brokers: plan.brokers,
    clientId: 'kafka-pipes-check',
    connectionTimeoutMs: T,
    requestTimeoutMs: T,
    // A few retries: a fresh cluster answers the first group-coordinator lookups with errors while it
    // creates __consumer_offsets. Every call stays bounded by the step timeout.
    retries: CHECK_KAFKA_RETRIES,
    ...(plan.tls ? { tls: plan.tls } : {}),
    ...(plan.sasl ? { sasl: plan.sasl } : {}),
  };
  const connected = await timed(() => withTimeout(openAdminProbe(conn), T * 2, 'Kafka admin connect'));
  if (connected.error || !connected.value) {
    push({ step: 'sasl', status: 'fail', ms: connected.ms, ...diagnoseKafka('sasl', connected.error, plan) });
    skipRest('metadata', 'not connected');
    return { source: plan.sourceName, ok: false, steps };
  }
  push({
    step: 'sasl',
    status: plan.sasl ? 'pass' : 'skip',
    ms: connected.ms,
    message: plan.sasl
      ? `authenticated as ${plan.sasl.username} with ${plan.sasl.mechanism.toUpperCase()}`
      : 'no SASL (connected)',
  });
  const probe = connected.value as AdminProbe;
  try {
    await kafkaSteps(plan, probe, push, timed, skipRest);
  } finally {
    await probe.close();
  }
  return { source: plan.sourceName, ok: !steps.some((s) => s.status === 'fail'), steps };
}

type Timed = <T>(fn: () => Promise<T>) => Promise<{ ms: number; value?: T; error?: unknown }>;

async function kafkaSteps(
  plan: CheckPlan,
  probe: AdminProbe,
  push: (s: CheckStep) => void,
  timed: Timed,
  skipRest: (from: CheckStepId, why: string) => void,
): Promise<void> {
  const T = plan.stepTimeoutMs;
  const md = await timed(() => withTimeout(probe.describeCluster(), T, 'describe cluster'));
  if (md.error || !md.value) {
    push({ step: 'metadata', status: 'fail', ms: md.ms, ...diagnoseKafka('metadata', md.error, plan) });
    skipRest('topic', 'no metadata');
    return;
  }
  const advertised = md.value.brokers.map((b) => `${b.host}:${b.port}`);
  const unknownHosts = advertised.filter((a) => !plan.brokers.includes(a));
  push({
    step: 'metadata',
    status: 'pass',
    ms: md.ms,
    message: `cluster ${md.value.clusterId}, ${md.value.brokers.length} broker(s) advertised: ${advertised.join(', ')}`,
    ...(unknownHosts.length > 0
      ? {
          cause: `clients continue on the advertised addresses (${unknownHosts.join(', ')}); they must be reachable from the Pipe's subnets too`,
        }
      : {}),
    details: md.value,
  });

  const topics = await timed(() => withTimeout(probe.listTopics(), T, 'list topics'));
  if (topics.error || !topics.value) {
    push({ step: 'topic', status: 'fail', ms: topics.ms, ...diagnoseKafka('topic', topics.error, plan) });
    skipRest('partitions', 'topic unknown');
    return;
  }
  if (!topics.value.includes(plan.topic)) {
    const guess = didYouMean(plan.topic, topics.value);
    push({
      step: 'topic',
      status: 'fail',
      ms: topics.ms,
      message: `topic ${plan.topic} does not exist (or the principal cannot describe it)`,
      cause: guess
        ? `a similar topic exists: ${guess}`
        : `${topics.value.length} topic(s) visible, none named ${plan.topic}`,
      fix: guess
        ? `set topic: ${guess} in the source file`
        : `create the topic, fix topic in the source file, or grant Describe on ${plan.topic}`,
    });
    skipRest('partitions', 'topic unknown');
    return;
  }
  push({ step: 'topic', status: 'pass', ms: topics.ms, message: `topic ${plan.topic} exists` });

  const parts = await timed(() => withTimeout(probe.topicPartitions(plan.topic), T, 'topic metadata'));
  if (parts.error || !parts.value) {
    push({
      step: 'partitions',
      status: 'fail',
      ms: parts.ms,
      ...diagnoseKafka('partitions', parts.error, plan),
    });
  } else {
    const leaderless = parts.value.filter((p) => p.leader < 0);
    const underReplicated = parts.value.filter((p) => p.isr < p.replicas);
    push({
      step: 'partitions',
      status: leaderless.length > 0 ? 'fail' : underReplicated.length > 0 ? 'warn' : 'pass',
      ms: parts.ms,
      message:
        `${parts.value.length} partition(s)` +
        (leaderless.length > 0 ? `; no leader for ${leaderless.map((p) => p.partition).join(', ')}` : '') +
        (underReplicated.length > 0
          ? `; under-replicated: ${underReplicated.map((p) => p.partition).join(', ')}`
          : ''),
      ...(leaderless.length > 0
        ? {
            cause: 'brokers holding those partitions are down',
            fix: 'bring the brokers back; records there cannot be read',
          }
        : {}),
      details: parts.value,
    });
  }

  const group = await timed(async () => {
    const g = await withTimeout(probe.describeGroup(plan.groupId), T, 'describe group');
    const lag = await withTimeout(probe.groupLag(plan.groupId, plan.topic), T, 'group offsets');
    return { g, lag };
  });
  if (group.error || !group.value) {
    push({ step: 'group', status: 'fail', ms: group.ms, ...diagnoseKafka('group', group.error, plan) });
    return;
  }
  const { g, lag } = group.value;
  const total = lag.reduce((a, p) => a + BigInt(p.lag), 0n);
  const committed = lag.filter((p) => p.committed !== null).length;
  const exists = g.state !== 'Dead';
  const pollerBusy = plan.engine === 'poller' && g.members > 0;
  push({
    step: 'group',
    status: pollerBusy ? 'warn' : 'pass',
    ms: group.ms,
    message: exists
      ? `group ${plan.groupId}: ${g.state}, ${g.members} member(s), offsets committed on ${committed}/${lag.length} partition(s), lag ${total}`
      : `group ${plan.groupId} does not exist yet: the first run starts at the starting position (lag ${total})`,
    ...(pollerBusy
      ? {
          cause:
            'the poller commits with admin.setOffsets, which Kafka refuses while the group has active members',
          fix: `stop the other consumers of ${plan.groupId}, or give the source its own consumerGroupId`,
        }
      : {}),
    details: { state: g.state, members: g.members, lag },
  });
}

/** Flags of `check`. */
export interface CheckFlags extends MaterialFlags {
  readonly brokers?: string;
  readonly tls?: 'auto' | 'on' | 'off';
  readonly timeout?: string;
  readonly sourcesDir?: string;
}

const TLS_AUTH = new Set(['mtls', 'sasl-scram-256', 'sasl-scram-512', 'basic', 'iam']);

/** Builds the plan from a source + flags (loads secrets). */
export async function planCheck(ref: string, flags: CheckFlags, aws: CliAwsClients): Promise<CheckPlan> {
  const { file, source } = resolveSource(ref, flags.sourcesDir);
  const brokers = flags.brokers
    ? flags.brokers
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : [...(source.brokers ?? [])];
  if (brokers.length === 0) {
    throw usageError(
      '--brokers',
      'brokers',
      `source ${source.name} (${source.kind}) names no brokers`,
      'pass --brokers host:port[,host:port] (for MSK: the bootstrap brokers of the cluster)',
    );
  }
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b))
      throw usageError('--brokers', 'brokers', `"${b}" is not host:port`, 'use host:port, comma-separated');
  }
  const timeoutMs = flags.timeout === undefined ? CHECK_STEP_TIMEOUT_MS : Number(flags.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
    throw usageError(
      '--timeout',
      'timeout',
      `must be an integer between 100 and 120000 ms, received ${flags.timeout}`,
      'pass e.g. --timeout 5000',
    );
  }
  const material = await loadMaterial(source, file, flags, aws);
  const tlsMode = flags.tls ?? 'auto';
  const useTls =
    tlsMode === 'on' ||
    (tlsMode === 'auto' &&
      (TLS_AUTH.has(source.auth.type) ||
        material.trustBundle !== undefined ||
        source.kind !== 'self-managed'));
  const tls: KafkaTlsMaterial | undefined = useTls
    ? {
        ...(material.trustBundle ? { ca: material.trustBundle.text } : {}),
        ...(material.clientCertificate ? { cert: material.clientCertificate.text } : {}),
        ...(material.clientKey ? { key: material.clientKey.text } : {}),
        ...(material.clientKeyPassword ? { passphrase: material.clientKeyPassword } : {}),
      }
    : undefined;
  const mechanism =
    source.auth.type === 'sasl-scram-256'
      ? 'scram-sha-256'
      : source.auth.type === 'sasl-scram-512'
        ? 'scram-sha-512'
        : 'plain';
  return {
    sourceName: source.name,
    brokers,
    ...(tls ? { tls } : {}),
    ...(material.sasl ? { sasl: { mechanism, ...material.sasl } } : {}),
    authType: source.auth.type,
    topic: source.topic,
    groupId: source.consumerGroupId,
    engine: source.engine,
    stepTimeoutMs: timeoutMs,
  };
}

/** Prints one step line. */
export function printStep(out: Output, s: CheckStep): void {
  const c = out.color;
  const where = s.target ? c.dim(` ${s.target}`) : '';
  out.line(
    `  ${marker(out, s.status)} ${s.step.padEnd(10)} ${c.dim(`${String(s.ms).padStart(5)} ms`)}${where}  ${s.message}`,
  );
  if (s.cause && s.status !== 'pass' && s.status !== 'skip') out.line(`    ${c.dim('cause:')} ${s.cause}`);
  else if (s.cause) out.line(`    ${c.dim('note:')} ${s.cause}`);
  if (s.fix && (s.status === 'fail' || s.status === 'warn')) out.line(`    ${c.dim('fix:')}   ${s.fix}`);
}

/** Runs `check`; exit 0 when no step failed, 1 otherwise. */
export async function checkCommand(
  ref: string,
  flags: CheckFlags,
  out: Output,
  aws: CliAwsClients,
): Promise<ExitCode> {
  const plan = await planCheck(ref, flags, aws);
  if (!out.json) {
    out.line(
      `${out.color.bold('check')} ${plan.sourceName}: ${plan.brokers.join(', ')} topic ${plan.topic} group ${plan.groupId}`,
    );
  }
  const report = await runCheck(plan, (s) => {
    if (!out.json) printStep(out, s);
  });
  out.result(report);
  if (!out.json)
    out.line(
      report.ok
        ? out.color.green('all checks passed')
        : out.color.red('check failed: see the cause and fix above'),
    );
  return report.ok ? EXIT_CODES.ok : EXIT_CODES.failed;
}
