/**
 * The local poller engine: runs an `engine: poller` source the way AWS does — executions of the
 * poller's state machine definition (a Map over the partitions, each running its own loop of polls, from
 * the poller's own ASL builder) in aws-local-stepfunctions, with the Lambda task bound to the poller Lambda's logic
 * (createPoller, what fallback-poller/handler.ts runs) over the source's bed listener: mTLS with the
 * client certificate from Secrets Manager and the long trust bundle from S3, or SASL/IAM with tokens signed
 * by the bed's test identity.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KafkaConnection } from '../../core/kafka/client.js';
import type { AwsCredentialsLike } from '../../core/kafka/msk-iam-token.js';
import { DEFAULT_RULES, DEFAULT_RULES_FILE, loadRulesFile } from '../../enrichment/index.js';
import { createRulesLoader } from '../../enrichment/rules-loader.js';
import { readyPollerAwsClients } from '../../fallback-poller/aws-clients.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { createPoller } from '../../fallback-poller/create-poller.js';
import type { PollInput, PollResponse } from '../../fallback-poller/poll-partition.js';
import { runPollerDefinitionLocally } from '../../fallback-poller/run-local.js';
import {
  bundledTruststorePath,
  pollerRuntimeConfig,
  pollerSettingsOf,
} from '../../fallback-poller/runtime-config.js';
import { buildPollerDefinition, scheduleInput } from '../../fallback-poller/state-machine.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import type { LocalAwsClients } from './aws-resources.js';
import type { EngineStats } from './pipe-runner.js';
import { type LocalSourcePlan, secretNameOf } from './plan.js';
import type { QuietLogger } from './wiring.js';

/** Dependencies of {@link startPollerEngine}. */
export interface PollerEngineDeps {
  readonly plan: LocalSourcePlan;
  readonly connection: KafkaConnection;
  /** Broker addresses the poller dials. */
  readonly brokers: readonly string[];
  readonly aws: LocalAwsClients;
  /** AWS client settings of the schema registries the source reads (the test bed's moto). */
  readonly registryAws?: Readonly<Record<string, unknown>>;
  readonly dlqUrl: string;
  readonly truststoreBucket: string;
  readonly lockTable: string;
  readonly stats: EngineStats;
  readonly logger: QuietLogger;
  /** Where a source's `truststore: {file}` path is relative to (default: the current directory). */
  readonly projectRoot?: string;
  /** Pause between executions (the EventBridge schedule is 1 min; locally back to back by default). */
  readonly pauseBetweenExecutionsMs?: number;
  /**
   * Stands in for the public roots a source without trust material relies on (MSK): the bed's private root,
   * staged in the bundle as the truststore file the poller reads.
   */
  readonly fallbackCa?: string;
  /** Credentials signing MSK IAM tokens (the bed's test identity); default: the SDK's default chain. */
  readonly iamCredentials?: () => Promise<AwsCredentialsLike>;
}

/** A running poller engine. */
export interface PollerEngine {
  /**
   * Resolves once every partition's first poll answered (connections open, code warm), or the first
   * execution ended: a deployed poller runs all the time, so the run produces only after this.
   */
  ready(): Promise<void>;
  /** True once every partition's latest poll read nothing (caught up). */
  idle(): boolean;
  /** Executions finished so far. */
  executions(): number;
  stop(): Promise<void>;
}

/** Seconds a local poller invocation may run (the Lambda timeout). */
const LOCAL_POLL_TIMEOUT_SECONDS = 30;

/** How long a local poll waits for new records at the end of the log (the Lambda default is 1 s). */
const LOCAL_IDLE_WAIT_MS = 500;

/**
 * The POLLER_CONFIG of a source as the construct writes it (fallback-poller/runtime-config.ts), dialing
 * the given brokers with the TLS of the bed listener, and secrets read by name (moto makes its own ARNs).
 */
export function pollerConfigOf(
  d: Pick<PollerEngineDeps, 'plan' | 'brokers' | 'dlqUrl' | 'truststoreBucket' | 'lockTable' | 'fallbackCa'>,
): PollerRuntimeConfig {
  const resources = {
    truststoreBucket: d.truststoreBucket,
    ...(d.plan.deliveryStream
      ? { deliveryStreamName: d.plan.deliveryStream.name }
      : { streamName: d.plan.streamName }),
    dlqUrl: d.dlqUrl,
    lockTable: d.lockTable,
  };
  const dial = { brokers: d.brokers, tls: d.plan.listener !== 'plaintext', secretId: secretNameOf };
  const config = pollerRuntimeConfig(d.plan.source, resources, dial);
  const standIn = config.tls && config.truststore.type === 'default' && d.fallbackCa !== undefined;
  return {
    ...config,
    ...(standIn ? { truststore: { type: 'file', path: PUBLIC_ROOTS_STAND_IN } } : {}),
    idleWaitMs: LOCAL_IDLE_WAIT_MS,
  };
}

/** Where the bundle holds the bed's root CA standing in for the public roots (a relative truststore file). */
const PUBLIC_ROOTS_STAND_IN = 'truststore/local-public-roots-stand-in.pem';

/** A directory laid out like the poller's function bundle (its bundled files), removed by `remove`. */
export interface StagedBundle {
  readonly dir: string;
  remove(): Promise<void>;
}

/**
 * Stages what the construct bundles next to the handler: a `truststore: {file}` copied from the project
 * root to `truststore/<file name>` (fallback-poller/runtime-config.ts bundledTruststorePath), so the
 * local poller reads the path POLLER_CONFIG names exactly as the Lambda does.
 */
export async function stagePollerBundle(
  source: SourceConfig,
  projectRoot: string,
  fallbackCa?: string,
): Promise<StagedBundle> {
  const dir = await mkdtemp(join(tmpdir(), `poller-bundle-${source.name}-`));
  if (fallbackCa !== undefined) {
    await mkdir(dirname(join(dir, PUBLIC_ROOTS_STAND_IN)), { recursive: true });
    await writeFile(join(dir, PUBLIC_ROOTS_STAND_IN), fallbackCa);
  }
  const truststore = pollerSettingsOf(source).truststore;
  if (truststore && 'file' in truststore) {
    const target = join(dir, bundledTruststorePath(truststore.file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(projectRoot, truststore.file), target);
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Longest Wait between iterations locally (the definition's `seconds_wait` is capped to keep runs short). */
export const LOCAL_WAIT_CAP_MS = 1_000;

/** Adds what one poll did to the engine's counters; returns the records it read (0 = caught up). */
function countPoll(stats: EngineStats, res: PollResponse): number {
  stats.consumed += res.counts.read;
  stats.delivered += res.counts.delivered;
  stats.enrichmentDlq += res.counts.dlq;
  stats.ruleDropped += res.counts.dropped;
  stats.batches++;
  if (res.counts.failed > 0 || res.statusCode >= 500) {
    stats.retries++;
    stats.lastError = `${res.statusCode} ${res.message}: ${res.detail}`;
  }
  return res.counts.read;
}

/** The poller Lambda's logic for a source, reading bundled files from `bundleDir`. */
async function createLocalPoller(deps: PollerEngineDeps, bundleDir: string) {
  const source = deps.plan.source;
  const bundled = source.rules === DEFAULT_RULES_FILE ? DEFAULT_RULES : await loadRulesFile(source.rules);
  const rules = await createRulesLoader({ bundled, logger: deps.logger });
  return createPoller({
    config: pollerConfigOf(deps),
    clients: readyPollerAwsClients(deps.aws),
    rules: () => rules.current(),
    logger: deps.logger,
    baseDir: bundleDir,
    ...(deps.registryAws ? { registryAws: deps.registryAws } : {}),
    ...(deps.iamCredentials ? { iamCredentials: deps.iamCredentials } : {}),
  });
}

/** Starts the poller engine of one source. */
export async function startPollerEngine(deps: PollerEngineDeps): Promise<PollerEngine> {
  const source = deps.plan.source;
  const settings = pollerSettingsOf(source);
  const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${source.name}-local-Poller`;
  const definition = buildPollerDefinition({ functionArn, sourceName: source.name });
  const input = scheduleInput({
    iterations: settings.iterations,
    partitions: settings.partitions,
    secondsWait: settings.secondsWait,
    lambdaName: functionArn,
  });
  const bundle = await stagePollerBundle(source, deps.projectRoot ?? process.cwd(), deps.fallbackCa);
  const poll = await createLocalPoller(deps, bundle.dir).catch(async (error: unknown) => {
    await bundle.remove();
    throw error;
  });
  const lastRead = new Map<number, number>();
  const inFlight = new Set<Promise<unknown>>();
  let warmed!: () => void;
  const warm = { promise: new Promise<void>((r) => (warmed = r)), resolve: () => warmed() };
  let expected = Array.isArray(settings.partitions) ? settings.partitions.length : Number.POSITIVE_INFINITY;
  const stopping = new AbortController();
  let executions = 0;

  // The Lambda task: the poller's logic with a Lambda-like remaining-time budget.
  const invoke = (payload: unknown): Promise<unknown> => {
    const deadline = Date.now() + LOCAL_POLL_TIMEOUT_SECONDS * 1000;
    const polled = poll(payload as PollInput, () => deadline - Date.now()).then((res: PollResponse) => {
      if (res.partition !== undefined) lastRead.set(res.partition, countPoll(deps.stats, res));
      if (res.partitions) expected = res.partitions.length;
      if (lastRead.size >= expected) warm.resolve();
      return res;
    });
    inFlight.add(polled);
    const forget = () => inFlight.delete(polled);
    polled.then(forget, forget);
    return polled;
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const result = await runPollerDefinitionLocally(definition, input, invoke, {
        waitMs: Math.min(LOCAL_WAIT_CAP_MS, settings.secondsWait * 1000),
        retryMs: 200,
        signal: stopping.signal,
      }).catch((error: unknown) => ({
        status: 'FAILED' as const,
        error: 'Error',
        cause: (error as Error).message,
      }));
      executions++;
      warm.resolve();
      if (result.status === 'FAILED') {
        deps.stats.retries++;
        deps.stats.lastError = `execution failed: ${result.error}: ${result.cause}`;
      }
      if (!stopping.signal.aborted)
        await new Promise((r) => setTimeout(r, deps.pauseBetweenExecutionsMs ?? 200));
    }
  })();

  return {
    ready: () => warm.promise,
    idle: () => lastRead.size > 0 && [...lastRead.values()].every((n) => n === 0),
    executions: () => executions,
    async stop() {
      // An execution's partition loops last up to its time budget: abort it, then let the polls in flight end.
      stopping.abort();
      await loop;
      await Promise.allSettled([...inFlight]);
      await poll.close();
      await bundle.remove();
    },
  };
}
