/**
 * The test bed: a real Kafka broker (4.x by default, devkit/testbed/kafka-versions.txt) (PLAINTEXT, mTLS,
 * SASL_SSL/SCRAM, SASL_IAM: OAUTHBEARER with MSK IAM tokens) with a private PKI, plus a moto
 * server, started in parallel in a fresh temp directory on free loopback ports.
 *
 * @example
 * const bed = await startTestBed();
 * try { ... bed.kafka.plaintext ... bed.moto.endpoint ... await bed.kafka.restart(); }
 * finally { await bed.stop(); }
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newTestIamIdentity, type TestIamIdentity } from './iam-listener.js';
import { ensureInstalled } from './install-paths.js';
import { type KafkaBroker, type ScramUser, startKafkaBroker } from './kafka-broker.js';
import { MOTO_REGION, type MotoServer, startMotoServer } from './moto-server.js';
import { generatePki, type PkiMaterial } from './pki.js';
import { trackDir, untrackDir } from './processes.js';

export type { TestIamIdentity } from './iam-listener.js';
export type { ScramUser } from './kafka-broker.js';
export type { PkiMaterial } from './pki.js';

/** Everything about a running bed that can cross a process boundary (vitest `provide`/`inject`). */
export interface TestBedInfo {
  readonly kafka: {
    /** Apache Kafka version of the broker, e.g. `4.4.0`. */
    readonly version: string;
    /** PLAINTEXT bootstrap `127.0.0.1:port`. */
    readonly plaintext: string;
    /** SSL (mTLS required) bootstrap `127.0.0.1:port`. */
    readonly ssl: string;
    /** SASL_SSL (SCRAM-SHA-512 and -256) bootstrap `127.0.0.1:port`. */
    readonly saslSsl: string;
    /** SASL_IAM (SASL_SSL, OAUTHBEARER with MSK IAM tokens for {@link TestBedInfo.iam}) bootstrap. */
    readonly saslIam: string;
    /** Session lifetime of the SASL_IAM listener in ms (`connections.max.reauth.ms`). */
    readonly iamReauthMs: number;
    /** Broker log file (print its tail when a test fails). */
    readonly logFile: string;
  };
  readonly pki: PkiMaterial;
  /** SCRAM user valid for both SCRAM-SHA-512 and SCRAM-SHA-256 on the SASL_SSL listener. */
  readonly scram: ScramUser;
  /** AWS credentials the SASL_IAM listener accepts, and its Region (moto's). */
  readonly iam: TestIamIdentity;
  readonly moto: { readonly endpoint: string; readonly region: string; readonly logFile: string };
  /** Directory holding pki/, kafka/ and moto/ of this bed. */
  readonly dir: string;
  /** How long the start took, in ms. */
  readonly timings: {
    readonly totalMs: number;
    readonly pkiMs: number;
    readonly kafkaMs: number;
    readonly motoMs: number;
  };
}

/** A running bed: {@link TestBedInfo} plus the functions to restart the broker and stop everything. */
export interface TestBed extends TestBedInfo {
  readonly kafka: TestBedInfo['kafka'] & {
    /** Restarts the broker on the same ports and data dir and waits for readiness. */
    restart(): Promise<void>;
    /** PID of the broker JVM (undefined while stopped). */
    pid(): number | undefined;
  };
  readonly moto: TestBedInfo['moto'] & {
    /** PID of the moto_server process (undefined once it exited). */
    pid(): number | undefined;
  };
  /** Kills broker and moto by PID and removes the bed's directory (kept when KEEP_TEST_BED=1). */
  stop(): Promise<void>;
}

/** Options of {@link startTestBed}. */
export interface TestBedOptions {
  /** Parent directory of the bed's fresh temp dir (default: the OS temp dir). */
  readonly parentDir?: string;
  /** Extra broker `server.properties` entries. */
  readonly kafkaConfig?: Readonly<Record<string, string>>;
  /** Broker version (default: `KAFKA_PIPES_BROKER_VERSION`, else the first of kafka-versions.txt). */
  readonly kafkaVersion?: string;
  /** Session lifetime of the SASL_IAM listener in ms (default 5 min; short to force re-authentication). */
  readonly iamReauthMs?: number;
}

/** Serializable view of a bed (drops the functions). */
export function toTestBedInfo(bed: TestBed): TestBedInfo {
  const { version, plaintext, ssl, saslSsl, saslIam, iamReauthMs, logFile } = bed.kafka;
  return {
    kafka: { version, plaintext, ssl, saslSsl, saslIam, iamReauthMs, logFile },
    pki: bed.pki,
    scram: bed.scram,
    iam: bed.iam,
    moto: { endpoint: bed.moto.endpoint, region: bed.moto.region, logFile: bed.moto.logFile },
    dir: bed.dir,
    timings: bed.timings,
  };
}

/**
 * Installs what is missing (install.sh, a no-op when cached), then generates the PKI and starts the broker
 * and moto in parallel. Resolves when the broker answers metadata over all three listeners and moto answers
 * HTTP. Whatever started is stopped again if another part fails.
 */
export async function startTestBed(opts: TestBedOptions = {}): Promise<TestBed> {
  const t0 = Date.now();
  ensureInstalled(opts.kafkaVersion);
  const dir = await mkdtemp(join(opts.parentDir ?? tmpdir(), 'kpt-testbed-'));
  // Removed by stop(); by the orphan watchdog if this process dies first (not when KEEP_TEST_BED=1).
  const keepDir = process.env.KEEP_TEST_BED === '1';
  if (!keepDir) trackDir(dir);
  const scram: ScramUser = { username: 'test-user', password: `scram-${randomBytes(12).toString('hex')}` };
  const iam: TestIamIdentity = newTestIamIdentity(MOTO_REGION);
  let pkiMs = 0;
  let kafkaMs = 0;
  let motoMs = 0;

  const pkiPromise = generatePki(join(dir, 'pki')).then((pki) => {
    pkiMs = Date.now() - t0;
    return pki;
  });
  const kafkaPart = (async () => {
    const broker = await startKafkaBroker({
      dir: join(dir, 'kafka'),
      pki: pkiPromise,
      scram,
      iam,
      ...(opts.iamReauthMs ? { iamReauthMs: opts.iamReauthMs } : {}),
      extraConfig: opts.kafkaConfig,
      ...(opts.kafkaVersion ? { version: opts.kafkaVersion } : {}),
    });
    kafkaMs = Date.now() - t0;
    return { pki: await pkiPromise, broker };
  })();
  const motoPart = (async () => {
    const moto = await startMotoServer({ dir: join(dir, 'moto') });
    motoMs = Date.now() - t0;
    return moto;
  })();
  const [k, m] = await Promise.allSettled([kafkaPart, motoPart]);
  if (k.status === 'rejected' || m.status === 'rejected') {
    if (k.status === 'fulfilled') await k.value.broker.stop();
    if (m.status === 'fulfilled') await m.value.stop();
    untrackDir(dir); // kept for its logs, as before
    throw k.status === 'rejected' ? k.reason : (m as PromiseRejectedResult).reason;
  }
  const { pki, broker }: { pki: PkiMaterial; broker: KafkaBroker } = k.value;
  const moto: MotoServer = m.value;

  let stopped = false;
  return {
    kafka: {
      version: broker.version,
      plaintext: broker.plaintext,
      ssl: broker.ssl,
      saslSsl: broker.saslSsl,
      saslIam: broker.saslIam,
      iamReauthMs: broker.iamReauthMs,
      logFile: broker.logFile,
      restart: () => broker.restart(),
      pid: () => broker.pid(),
    },
    pki,
    scram,
    iam,
    moto: { endpoint: moto.endpoint, region: moto.region, logFile: moto.logFile, pid: () => moto.pid() },
    dir,
    timings: { totalMs: Date.now() - t0, pkiMs, kafkaMs, motoMs },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([broker.stop(), moto.stop()]);
      if (!keepDir) {
        await rm(dir, { recursive: true, force: true });
        untrackDir(dir);
      }
    },
  };
}
