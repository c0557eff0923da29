/**
 * The `check` engine: connects to the live cluster with a plan (cli/check/plan.ts) and reports each step
 * with its time — DNS, TCP, TLS handshake, SASL, metadata, topic, partitions, consumer group and lag —
 * and, on failure, the likely cause and the fix (cli/check/diagnose.ts). Every step is bounded; later
 * Kafka steps are skipped once one fails. A source that reads a schema registry then gets one registry
 * step per registry (cli/check/registry-step.ts), whatever Kafka gave: the registry is a separate service.
 */
import { performance } from 'node:perf_hooks';
import { type AdminProbe, openAdminProbe } from '../../core/kafka/admin-probe.js';
import type { KafkaConnection } from '../../core/kafka/client.js';
import { hostOf, portOf } from '../shared/brokers.js';
import { diagnoseKafka, diagnoseNetwork, diagnoseTls } from './diagnose.js';
import { kafkaSteps } from './kafka-steps.js';
import { plaintextKafkaProbe, resolveHost, tcpConnect, tlsKafkaProbe, withTimeout } from './net-probe.js';
import type { CheckPlan } from './plan.js';
import { registrySteps } from './registry-step.js';

/** kafkajs retries of the admin requests (SASL failures are not retried by kafkajs). */
const CHECK_KAFKA_RETRIES = 4;

/** The Kafka steps, in the order they run. */
export const KAFKA_STEPS = ['dns', 'tcp', 'tls', 'sasl', 'metadata', 'topic', 'partitions', 'group'] as const;
/** One of {@link KAFKA_STEPS}. */
export type KafkaStepId = (typeof KAFKA_STEPS)[number];
/** Step ids, in the order they run: the Kafka steps, then the schema registry. */
export const CHECK_STEPS = [...KAFKA_STEPS, 'registry'] as const;
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

/** Result of a check run. */
export interface CheckReport {
  readonly source: string;
  readonly ok: boolean;
  readonly steps: readonly CheckStep[];
}

/** The steps reported so far; each is also handed to `onStep` as it finishes (live output). */
export class StepLog {
  readonly steps: CheckStep[] = [];
  constructor(private readonly onStep: (s: CheckStep) => void) {}

  push(s: CheckStep): void {
    this.steps.push(s);
    this.onStep(s);
  }

  /** Reports Kafka step `from` and every later Kafka step as skipped. */
  skipFrom(from: KafkaStepId, why: string): void {
    for (const step of KAFKA_STEPS.slice(KAFKA_STEPS.indexOf(from)))
      this.push({ step, status: 'skip', ms: 0, message: why });
  }

  get ok(): boolean {
    return !this.steps.some((s) => s.status === 'fail');
  }
}

/** What a timed call gave: its duration and its value or error. */
export interface Timed<T> {
  readonly ms: number;
  readonly value?: T;
  readonly error?: unknown;
}

/** Runs `fn` and measures it; never throws. */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  try {
    const value = await fn();
    return { ms: Math.round(performance.now() - t0), value };
  } catch (error) {
    return { ms: Math.round(performance.now() - t0), error };
  }
}

/**
 * Runs every step. `onStep` is called as each step finishes (live output).
 * @example await runCheck(await planCheck('orders', {}, aws), (s) => printStep(out, s))
 */
export async function runCheck(
  plan: CheckPlan,
  onStep: (s: CheckStep) => void = () => {},
): Promise<CheckReport> {
  const log = new StepLog(onStep);
  const kafkaOk = await kafkaChecks(plan, log);
  await registrySteps(plan, log);
  return { source: plan.sourceName, ok: kafkaOk && log.ok, steps: log.steps };
}

/** The Kafka steps; false when one failed. */
async function kafkaChecks(plan: CheckPlan, log: StepLog): Promise<boolean> {
  let reachable = 0;
  for (const broker of plan.brokers) if (await brokerSteps(plan, broker, log)) reachable++;
  if (reachable === 0) {
    log.skipFrom('sasl', 'no broker reachable');
    return false;
  }
  if (plan.authUnsupported) {
    log.push({
      step: 'sasl',
      status: 'skip',
      ms: 0,
      message: `auth type ${plan.authType} cannot be checked from this CLI (${plan.authUnsupported.reason})`,
      fix: plan.authUnsupported.fix,
    });
    log.skipFrom('metadata', `auth type ${plan.authType} not checkable`);
    return log.ok;
  }
  const probe = await connectStep(plan, log);
  if (!probe) return false;
  try {
    await kafkaSteps(plan, probe, log);
  } finally {
    await probe.close();
  }
  return log.ok;
}

/** DNS, TCP and TLS (or a PLAINTEXT ApiVersions) against one broker; true when it answered. */
async function brokerSteps(plan: CheckPlan, broker: string, log: StepLog): Promise<boolean> {
  const host = hostOf(broker);
  const port = portOf(broker);
  const T = plan.stepTimeoutMs;
  const dns = await timed(() => resolveHost(host, T));
  if (dns.error) {
    log.push({
      step: 'dns',
      target: broker,
      status: 'fail',
      ms: dns.ms,
      ...diagnoseNetwork('dns', broker, dns.error),
    });
    return false;
  }
  const addresses = (dns.value ?? []).join(', ');
  log.push({ step: 'dns', target: broker, status: 'pass', ms: dns.ms, message: `${host} → ${addresses}` });
  const tcp = await timed(() => tcpConnect(host, port, T));
  if (tcp.error) {
    log.push({
      step: 'tcp',
      target: broker,
      status: 'fail',
      ms: tcp.ms,
      ...diagnoseNetwork('tcp', broker, tcp.error),
    });
    return false;
  }
  log.push({ step: 'tcp', target: broker, status: 'pass', ms: tcp.ms, message: `connected to ${broker}` });
  return plan.tls ? tlsStep(plan, broker, log) : plaintextStep(plan, broker, log);
}

async function tlsStep(plan: CheckPlan, broker: string, log: StepLog): Promise<boolean> {
  const tls = plan.tls as NonNullable<CheckPlan['tls']>;
  const probe = await timed(() => tlsKafkaProbe(hostOf(broker), portOf(broker), tls, plan.stepTimeoutMs));
  if (probe.error) {
    log.push({
      step: 'tls',
      target: broker,
      status: 'fail',
      ms: probe.ms,
      ...diagnoseTls(broker, probe.error, tls),
    });
    return false;
  }
  const leaf = probe.value?.chain[0];
  const peer = leaf ? `: CN=${leaf.subject} issued by CN=${leaf.issuer}, valid to ${leaf.validTo}` : '';
  log.push({
    step: 'tls',
    target: broker,
    status: 'pass',
    ms: probe.ms,
    message: `${probe.value?.protocol ?? 'TLS'} verified${peer}${tls.cert ? ', client certificate accepted' : ''}`,
    details: probe.value,
  });
  return true;
}

async function plaintextStep(plan: CheckPlan, broker: string, log: StepLog): Promise<boolean> {
  const kafka = await timed(() => plaintextKafkaProbe(hostOf(broker), portOf(broker), plan.stepTimeoutMs));
  if (kafka.error) {
    log.push({
      step: 'tls',
      target: broker,
      status: 'fail',
      ms: kafka.ms,
      message: `no Kafka answer over PLAINTEXT: ${(kafka.error as Error).message}`,
      cause: 'the port expects TLS (SSL / SASL_SSL listener)',
      fix: 'set rootCaSecret / auth for TLS, or pass --tls on',
    });
    return false;
  }
  log.push({
    step: 'tls',
    target: broker,
    status: 'skip',
    ms: kafka.ms,
    message: 'PLAINTEXT listener (no TLS); Kafka answered ApiVersions',
  });
  return true;
}

/** Step 4: SASL (or the plain connect) via the admin client; undefined when it failed. */
async function connectStep(plan: CheckPlan, log: StepLog): Promise<AdminProbe | undefined> {
  const T = plan.stepTimeoutMs;
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
    log.push({
      step: 'sasl',
      status: 'fail',
      ms: connected.ms,
      ...diagnoseKafka('sasl', connected.error, plan),
    });
    log.skipFrom('metadata', 'not connected');
    return undefined;
  }
  log.push({
    step: 'sasl',
    status: plan.sasl ? 'pass' : 'skip',
    ms: connected.ms,
    message: plan.sasl
      ? `authenticated${'username' in plan.sasl ? ` as ${plan.sasl.username}` : ''} with ${plan.sasl.mechanism.toUpperCase()}${'username' in plan.sasl || !plan.region ? '' : ` (token signed for Region ${plan.region})`}`
      : 'no SASL (connected)',
  });
  return connected.value;
}
