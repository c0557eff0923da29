/**
 * Where devkit/testbed/install.sh puts the test bed's tools, and a once-per-process call of that installer
 * (a no-op taking ~0.3 s when the cache is warm), so `npx vitest run --project integration` works without
 * `npm test`'s pretest having run first.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));

/** The cache directory (same rule as install.sh: $KAFKA_PIPES_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache). */
export function cacheDir(): string {
  return (
    process.env.KAFKA_PIPES_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kafka-pipes-template')
  );
}

/** The broker versions of kafka-versions.txt, the default first. */
export function kafkaVersions(): readonly string[] {
  return readFileSync(join(HARNESS_DIR, 'kafka-versions.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The broker version a bed starts by default: `KAFKA_PIPES_BROKER_VERSION` when set (the integration projects
 * of vitest.config.ts set it per project), else the first line of kafka-versions.txt.
 */
export function defaultKafkaVersion(): string {
  const fromEnv = process.env.KAFKA_PIPES_BROKER_VERSION?.trim();
  if (fromEnv) {
    if (!/^\d+\.\d+\.\d+$/.test(fromEnv)) {
      throw new Error(
        `KAFKA_PIPES_BROKER_VERSION: "${fromEnv}" is not a Kafka version. Fix: set x.y.z, one of ${kafkaVersions().join(', ')}`,
      );
    }
    return fromEnv;
  }
  const [first] = kafkaVersions();
  if (!first) throw new Error('devkit/testbed/kafka-versions.txt lists no Kafka version');
  return first;
}

/**
 * Directory of one broker version's broker and tools jars (the JVM classpath is `<dir>/*`): keyed on the
 * version and the first 12 hex digits of pom.xml's sha256, the same rule as install.sh.
 */
export function kafkaLibsDir(version: string = defaultKafkaVersion()): string {
  const pomHash = createHash('sha256')
    .update(readFileSync(join(HARNESS_DIR, 'pom.xml')))
    .digest('hex');
  return join(cacheDir(), `kafka-${version}-${pomHash.slice(0, 12)}`, 'libs');
}

/** Absolute path of an executable in the test bed's Python venv (`moto_server`, `cfn-lint`). */
export function venvBin(name: string): string {
  return join(cacheDir(), 'venv', 'bin', name);
}

const installed = new Set<string>();

/**
 * Runs devkit/testbed/install.sh for a broker version once per process (idempotent; fast when the cache is
 * warm). Throws with the installer's message (naming what to install) when it fails.
 */
export function ensureInstalled(version: string = defaultKafkaVersion()): void {
  if (installed.has(version)) return;
  const res = spawnSync('bash', [join(HARNESS_DIR, 'install.sh'), version], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (res.error)
    throw new Error(`could not run devkit/testbed/install.sh: ${res.error.message}`, { cause: res.error });
  if (res.status !== 0) {
    throw new Error(`test bed install failed (exit ${res.status}):\n${res.stdout}${res.stderr}`.trimEnd());
  }
  const libs = kafkaLibsDir(version);
  const jars = [`kafka_2.13-${version}.jar`, `kafka-tools-${version}.jar`];
  if (!jars.every((jar) => existsSync(join(libs, jar))) || !existsSync(venvBin('moto_server'))) {
    throw new Error(
      `test bed install finished but ${cacheDir()} is incomplete; delete it and re-run devkit/testbed/install.sh`,
    );
  }
  installed.add(version);
}
