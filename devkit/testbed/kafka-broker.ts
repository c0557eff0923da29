/**
 * A real Apache Kafka broker for tests (the version of kafka-versions.txt, or `version`): KRaft single node
 * (broker + controller), jars from the cache filled by install.sh, formatted with `kafka.tools.StorageTool` (SCRAM credentials added at format time),
 * run as `kafka.Kafka` with the `java` on PATH. Four client listeners on free loopback ports:
 * PLAINTEXT, SSL (mTLS, `ssl.client.auth=required`), SASL_SSL (SCRAM-SHA-512 and SCRAM-SHA-256) and SASL_IAM
 * (SASL_SSL with OAUTHBEARER checked like MSK IAM, iam-listener.ts).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKafka, type KafkaConnection } from '../../core/kafka/client.js';
import {
  DEFAULT_IAM_REAUTH_MS,
  IAM_LISTENER,
  iamConnection,
  iamListenerConfig,
  iamValidatorDir,
  type TestIamIdentity,
} from './iam-listener.js';
import { defaultKafkaVersion, ensureInstalled, kafkaLibsDir } from './install-paths.js';
import type { PkiMaterial } from './pki.js';
import { freePorts, isRunning, killByPid, tailFile, trackPid, waitFor } from './processes.js';

const execFileAsync = promisify(execFile);

/** JVM heap of the broker in MiB (several beds may run at once on a 24 GiB machine). */
const BROKER_HEAP_MB = 512;
/** How long to wait for metadata over all three listeners. */
const READY_TIMEOUT_MS = 90_000;
/** Grace between SIGTERM and SIGKILL when stopping. */
const STOP_GRACE_MS = 10_000;

/** SCRAM user created at format time for both SCRAM-SHA-512 and SCRAM-SHA-256. */
export interface ScramUser {
  readonly username: string;
  readonly password: string;
}

/** Options of {@link startKafkaBroker}. */
export interface KafkaBrokerOptions {
  /** Fresh directory for data, config and log (created if missing). */
  readonly dir: string;
  /**
   * PKI whose broker certificate and root CA the SSL listeners use. May be a promise: the storage format
   * (which needs no certificates) then runs while the PKI is still being generated.
   */
  readonly pki: PkiMaterial | Promise<PkiMaterial>;
  /** SCRAM credentials to create. */
  readonly scram: ScramUser;
  /** AWS credentials and Region the SASL_IAM listener accepts. */
  readonly iam: TestIamIdentity;
  /** Session lifetime of the SASL_IAM listener in ms (`connections.max.reauth.ms`, default 5 min). */
  readonly iamReauthMs?: number;
  /** Extra `server.properties` entries (override the defaults). */
  readonly extraConfig?: Readonly<Record<string, string>>;
  /** Broker version (default: {@link defaultKafkaVersion}); its jars are installed when missing. */
  readonly version?: string;
}

/** A running broker. */
export interface KafkaBroker {
  /** Apache Kafka version of the broker, e.g. `4.4.0`. */
  readonly version: string;
  /** `127.0.0.1:port` of the PLAINTEXT listener. */
  readonly plaintext: string;
  /** `127.0.0.1:port` of the SSL listener (client certificate required). */
  readonly ssl: string;
  /** `127.0.0.1:port` of the SASL_SSL listener (SCRAM-SHA-512 / -256). */
  readonly saslSsl: string;
  /** `127.0.0.1:port` of the SASL_IAM listener (SASL_SSL, OAUTHBEARER with MSK IAM tokens). */
  readonly saslIam: string;
  /** Session lifetime of the SASL_IAM listener in ms. */
  readonly iamReauthMs: number;
  /** File receiving the broker's log (log4j to stdout, redirected). */
  readonly logFile: string;
  /** Data + config directory. */
  readonly dir: string;
  /** PID of the running JVM (undefined while stopped). */
  pid(): number | undefined;
  /** Stops (SIGTERM, SIGKILL after 10 s) and starts again on the same ports and data dir; waits for readiness. */
  restart(): Promise<void>;
  /** Kills the broker by PID; idempotent. */
  stop(): Promise<void>;
}

/** Escapes a value for a Java .properties file (PEM newlines become `\n`). */
function propValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
}

function toProperties(entries: Record<string, string>): string {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${propValue(v)}`)
    .join('\n')}\n`;
}

/** Connection descriptors for the readiness probe (and reused by devkit/testbed/kafka.ts). */
export function brokerConnections(
  b: { plaintext: string; ssl: string; saslSsl: string },
  pki: Pick<PkiMaterial, 'caChain' | 'clientCert' | 'clientKey'>,
  scram: ScramUser,
): { plaintext: KafkaConnection; mtls: KafkaConnection; scram: KafkaConnection; scram256: KafkaConnection } {
  const scramConn = (mechanism: 'scram-sha-512' | 'scram-sha-256'): KafkaConnection => ({
    brokers: [b.saslSsl],
    tls: { ca: pki.caChain },
    sasl: { mechanism, username: scram.username, password: scram.password },
  });
  return {
    plaintext: { brokers: [b.plaintext] },
    mtls: { brokers: [b.ssl], tls: { ca: pki.caChain, cert: pki.clientCert, key: pki.clientKey } },
    scram: scramConn('scram-sha-512'),
    scram256: scramConn('scram-sha-256'),
  };
}

/** Broker loggers kept at WARN (client, request and state-change chatter). */
const QUIET_LOGGERS = ['org.apache.kafka.clients', 'kafka.request.logger', 'state.change.logger'];

/**
 * Writes the broker's logging config (everything to stdout, which is redirected to kafka.log) and returns the
 * JVM option naming it: Kafka 4 logs through Log4j 2 (`log4j2.properties`, `-Dlog4j2.configurationFile`),
 * Kafka 3 through reload4j (`log4j.properties`, `-Dlog4j.configuration`).
 */
async function writeLogConfig(dir: string, version: string): Promise<string> {
  const pattern = '[%d] %p %m (%c)%n';
  if (Number(version.split('.')[0]) >= 4) {
    const file = join(dir, 'log4j2.properties');
    const quiet = QUIET_LOGGERS.flatMap((name, i) => [
      `logger.quiet${i}.name=${name}`,
      `logger.quiet${i}.level=WARN`,
    ]);
    const lines = [
      'status=warn',
      'appender.stdout.type=Console',
      'appender.stdout.name=STDOUT',
      'appender.stdout.layout.type=PatternLayout',
      `appender.stdout.layout.pattern=${pattern}`,
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.stdout.ref=STDOUT',
      ...quiet,
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    return `-Dlog4j2.configurationFile=${file}`;
  }
  const file = join(dir, 'log4j.properties');
  const lines = [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    `log4j.appender.stdout.layout.ConversionPattern=${pattern}`,
    ...QUIET_LOGGERS.map((name) => `log4j.logger.${name}=WARN`),
  ];
  await writeFile(file, `${lines.join('\n')}\n`);
  return `-Dlog4j.configuration=file:${file}`;
}

async function metadataOk(conn: KafkaConnection): Promise<boolean> {
  const admin = createKafka({
    ...conn,
    clientId: 'test-bed-readiness',
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 5_000,
    retries: 0,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Makes the broker create `__consumer_offsets` now (a group-coordinator lookup), so the first consumer group
 * of a test does not race the topic creation (NOT_COORDINATOR).
 */
async function warmUpGroupCoordinator(conn: KafkaConnection): Promise<void> {
  const admin = createKafka({ ...conn, clientId: 'test-bed-warm-up', retries: 10 }).admin();
  try {
    await admin.connect();
    await admin.describeGroups(['test-bed-warm-up']);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Formats a fresh KRaft data dir and starts the broker; resolves when metadata succeeds over PLAINTEXT,
 * SSL (mTLS) and SASL_SSL (SCRAM-SHA-512). Retries with new ports (up to 3 times) when another process grabbed
 * one between the port probe and the bind. On failure the error message carries the tail of the broker log.
 */
export async function startKafkaBroker(opts: KafkaBrokerOptions): Promise<KafkaBroker> {
  const version = opts.version ?? defaultKafkaVersion();
  ensureInstalled(version);
  // Mark a PKI promise as handled: if formatting fails first, its rejection must not go unhandled.
  Promise.resolve(opts.pki).catch(() => undefined);
  let lastErr: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(opts, version);
    } catch (err) {
      lastErr = err;
      if (!(err instanceof Error) || !/Address already in use/.test(err.message)) throw err;
    }
  }
  throw lastErr;
}

async function startOnce(opts: KafkaBrokerOptions, version: string): Promise<KafkaBroker> {
  const { dir, scram } = opts;
  await rm(dir, { recursive: true, force: true });
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const logFile = join(dir, 'kafka.log');
  const [pPlain, pSsl, pSasl, pIam, pCtrl] = (await freePorts(5)) as [number, number, number, number, number];
  const host = '127.0.0.1';
  const endpoints = {
    plaintext: `${host}:${pPlain}`,
    ssl: `${host}:${pSsl}`,
    saslSsl: `${host}:${pSasl}`,
    saslIam: `${host}:${pIam}`,
  };
  const reauthMs = opts.iamReauthMs ?? DEFAULT_IAM_REAUTH_MS;
  const clientListeners = `PLAINTEXT://${endpoints.plaintext},SSL://${endpoints.ssl},SASL_SSL://${endpoints.saslSsl},${IAM_LISTENER}://${endpoints.saslIam}`;
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';

  const baseConfig: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${host}:${pCtrl}`,
    listeners: `${clientListeners},CONTROLLER://${host}:${pCtrl}`,
    'advertised.listeners': clientListeners,
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,${IAM_LISTENER}:SASL_SSL,CONTROLLER:PLAINTEXT`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': '1',
    // No time-based retention, a second guard: fixtures stamp records with current times (fixtureTimestamp in
    // devkit/testbed/kafka.ts), but a test may still produce old stamps on purpose. Topic configs override it.
    'log.retention.ms': '-1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '4',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'true',
    'ssl.client.auth': 'required',
    'listener.name.ssl.ssl.client.auth': 'required',
    // SASL_SSL: SCRAM only, no client certificate (KIP-684: broker-wide ssl.client.auth does not apply to it).
    'listener.name.sasl_ssl.ssl.client.auth': 'none',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512,SCRAM-SHA-256',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': jaas,
    ...iamListenerConfig(opts.iam, reauthMs),
    ...opts.extraConfig,
  };
  // Format with the config minus the PEM stores (format reads no certificates), so it overlaps PKI generation.
  const formatConfigFile = join(dir, 'format.properties');
  await writeFile(formatConfigFile, toProperties(baseConfig), { mode: 0o600 });
  // The jars, and the compiled token validator of the SASL_IAM listener.
  const classpath = `${kafkaLibsDir(version)}/*:${iamValidatorDir(version)}`;
  const jvmCommon = [await writeLogConfig(dir, version), '-Djava.awt.headless=true', '-cp', classpath];
  const clusterId = randomBytes(16).toString('base64url');
  const scramArg = (mech: string) => `${mech}=[name=${scram.username},password=${scram.password}]`;
  try {
    await execFileAsync(
      'java',
      [
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        ...jvmCommon,
        'kafka.tools.StorageTool',
        'format',
        // `--cluster-id=<id>` (not `-t <id>`): a base64url id may start with '-', which argparse would
        // take for an option and fail with "expected one argument".
        `--cluster-id=${clusterId}`,
        '-c',
        formatConfigFile,
        '--add-scram',
        scramArg('SCRAM-SHA-512'),
        '--add-scram',
        scramArg('SCRAM-SHA-256'),
      ],
      { cwd: dir, timeout: 60_000 },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error("'java' not found on PATH. Install a Java runtime 17 or newer.", { cause: err });
    throw new Error(`kafka StorageTool format failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }

  const pki = await opts.pki;
  const configFile = join(dir, 'server.properties');
  await writeFile(
    configFile,
    toProperties({
      ...baseConfig,
      // TLS: PEM key store (leaf + intermediate, unencrypted PKCS#8 key) and PEM trust store (root CA).
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.certificate.chain': pki.brokerCertChain,
      'ssl.keystore.key': pki.brokerKey,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.certificates': pki.rootCa,
      ...opts.extraConfig,
    }),
    { mode: 0o600 },
  );

  let child: ChildProcess | undefined;
  const spawnBroker = (): ChildProcess => {
    const fd = openSync(logFile, 'a');
    try {
      const c = spawn(
        'java',
        [
          `-Xmx${BROKER_HEAP_MB}m`,
          '-Xms128m',
          '-XX:+UseG1GC',
          '-XX:MaxGCPauseMillis=20',
          '-XX:+ExitOnOutOfMemoryError',
          '-XX:TieredStopAtLevel=1',
          '-Xss512k',
          ...jvmCommon,
          'kafka.Kafka',
          configFile,
        ],
        { cwd: dir, stdio: ['ignore', fd, fd] },
      );
      if (c.pid === undefined) throw new Error('could not spawn java for the Kafka broker');
      trackPid(c.pid);
      return c;
    } finally {
      closeSync(fd);
    }
  };
  const conns = brokerConnections(endpoints, pki, scram);
  const waitReady = async (c: ChildProcess): Promise<void> => {
    const abort = () => (isRunning(c) ? undefined : `broker exited with ${c.exitCode ?? c.signalCode}`);
    try {
      await Promise.all(
        [
          conns.plaintext,
          conns.mtls,
          conns.scram,
          iamConnection(endpoints.saslIam, pki.caChain, opts.iam, reauthMs),
        ].map((conn, i) =>
          waitFor(
            `kafka broker ${['PLAINTEXT', 'SSL', 'SASL_SSL', IAM_LISTENER][i]} listener ${conn.brokers[0]}`,
            () => metadataOk(conn),
            {
              timeoutMs: READY_TIMEOUT_MS,
              intervalMs: 300,
              abort,
            },
          ),
        ),
      );
    } catch (err) {
      await killByPid(c, 2_000);
      throw new Error(`${(err as Error).message}\n--- tail of ${logFile} ---\n${tailFile(logFile, 60)}`, {
        cause: err,
      });
    }
  };

  child = spawnBroker();
  await waitReady(child);
  await warmUpGroupCoordinator(conns.plaintext);

  const broker: KafkaBroker = {
    version,
    iamReauthMs: reauthMs,
    ...endpoints,
    logFile,
    dir,
    pid: () => (child && isRunning(child) ? child.pid : undefined),
    async restart() {
      if (child) await killByPid(child, STOP_GRACE_MS);
      child = spawnBroker();
      await waitReady(child);
    },
    async stop() {
      if (child) await killByPid(child, STOP_GRACE_MS);
      child = undefined;
    },
  };
  return broker;
}
