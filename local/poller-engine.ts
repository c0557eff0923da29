/**
 * The local poller engine: runs an `engine: poller` source the way AWS does — executions of the
 * poller's state machine definition (Map over iterations × Map over partitions, from the poller's own
 * ASL builder) in aws-local-stepfunctions, with the Lambda task bound to the poller Lambda's logic
 * (createPoller, what fallback-poller/handler.ts runs) over the mTLS listener, the client certificate
 * from Secrets Manager and the long trust bundle from S3.
 */
import type { KafkaConnection } from '../core/kafka-client.js';
import { DEFAULT_RULES, DEFAULT_RULES_FILE, loadRulesFile } from '../enrichment/index.js';
import { createRulesLoader } from '../enrichment/rules-loader.js';
import type { PollerRuntimeConfig } from '../fallback-poller/config.js';
import { createPoller } from '../fallback-poller/create-poller.js';
import type { PollInput, PollResponse } from '../fallback-poller/poll-partition.js';
import type { LocalAwsClients } from './aws-resources.js';
import type { EngineStats } from './pipe-runner.js';
import type { LocalSourcePlan } from './plan.js';
import type { QuietLogger } from './wiring.js';

/** A state machine definition (ASL JSON). */
export type AslDefinition = Record<string, unknown>;

/** Dependencies of {@link startPollerEngine}. */
export interface PollerEngineDeps {
  readonly plan: LocalSourcePlan;
  readonly connection: KafkaConnection;
  /** Broker addresses the poller dials. */
  readonly brokers: readonly string[];
  readonly aws: LocalAwsClients;
  readonly dlqUrl: string;
  readonly truststoreBucket: string;
  readonly lockTable: string;
  readonly stats: EngineStats;
  readonly logger: QuietLogger;
  /** Pause between executions (the EventBridge schedule is 1 min; locally back to back by default). */
  readonly pauseBetweenExecutionsMs?: number;
}

/** A running poller engine. */
export interface PollerEngine {
  /** True when no execution is running or the last one read nothing. */
  idle(): boolean;
  /** Executions finished so far. */
  executions(): number;
  stop(): Promise<void>;
}

/** Seconds a local poller invocation may run (the Lambda timeout). */
const LOCAL_POLL_TIMEOUT_SECONDS = 30;

/** The poller runtime config of a source, as the construct would write POLLER_CONFIG. */
export function pollerConfigOf(
  d: Pick<PollerEngineDeps, 'plan' | 'brokers' | 'dlqUrl' | 'truststoreBucket' | 'lockTable'>,
): PollerRuntimeConfig {
  const s = d.plan.source;
  const p = s.poller;
  const ts = p?.truststore;
  const truststore: PollerRuntimeConfig['truststore'] =
    ts && 's3Key' in ts
      ? { type: 's3', bucket: d.truststoreBucket, key: ts.s3Key }
      : ts && 'secret' in ts
        ? { type: 'secret', secret: ts.secret }
        : ts && 'file' in ts
          ? { type: 'file', path: ts.file }
          : { type: 'default' };
  const auth: PollerRuntimeConfig['auth'] =
    s.auth.type === 'mtls'
      ? { type: 'mtls', secret: d.plan.authSecret?.name as string }
      : s.auth.type === 'sasl-scram-256' || s.auth.type === 'sasl-scram-512' || s.auth.type === 'basic'
        ? { type: s.auth.type, secret: d.plan.authSecret?.name as string }
        : { type: 'none' };
  return {
    sourceName: s.name,
    topic: s.topic,
    groupId: s.consumerGroupId,
    startingPosition: s.startingPosition,
    eventSource: d.plan.eventSource,
    cluster: d.plan.cluster,
    brokers: [...d.brokers],
    tls: d.plan.listener !== 'plaintext',
    truststore,
    auth,
    partitionKey: s.target.partitionKey,
    streamName: d.plan.streamName,
    dlqUrl: d.dlqUrl,
    lockTable: d.lockTable,
    maxRecordsPerInvocation: p?.maxRecordsPerInvocation ?? 1000,
    lockTtlSeconds: p?.lockTtlSeconds ?? 120,
    idleWaitMs: 500,
  };
}

/** Task states of a definition (recursively through Map/Parallel), by name. */
export function taskStateNames(def: AslDefinition): string[] {
  const out: string[] = [];
  const walk = (d: unknown) => {
    const states = (d as { States?: Record<string, Record<string, unknown>> })?.States ?? {};
    for (const [name, st] of Object.entries(states)) {
      if (st.Type === 'Task') out.push(name);
      if (st.Type === 'Map') walk(st.ItemProcessor ?? st.Iterator);
      if (st.Type === 'Parallel') for (const b of (st.Branches as unknown[]) ?? []) walk(b);
    }
  };
  walk(def);
  return out;
}

/**
 * Loads the poller's state machine definition builder. The poller helper exports it from
 * fallback-poller/ (see docs/local-run.md); returns null while it does not exist.
 */
export async function loadDefinitionBuilder(): Promise<
  ((source: LocalSourcePlan['source'], functionArn: string) => AslDefinition) | null
> {
  for (const path of [
    '../fallback-poller/state-machine.js',
    '../fallback-poller/fallback-poller.construct.js',
  ]) {
    try {
      const mod = (await import(path)) as Record<string, unknown>;
      for (const [name, v] of Object.entries(mod)) {
        if (typeof v === 'function' && /definition/i.test(name) && /build|create|make/i.test(name)) {
          return v as (source: LocalSourcePlan['source'], functionArn: string) => AslDefinition;
        }
      }
    } catch {
      // not there yet
    }
  }
  return null;
}

/** Starts the poller engine of one source. @throws Error when the poller's ASL builder is not available. */
export async function startPollerEngine(deps: PollerEngineDeps): Promise<PollerEngine> {
  const build = await loadDefinitionBuilder();
  if (!build)
    throw new Error('the poller state machine definition builder is not available in fallback-poller/');
  const { StateMachine } = await import('aws-local-stepfunctions');
  const source = deps.plan.source;
  const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${source.name}-local-Poller`;
  const definition = build(source, functionArn);
  const config = pollerConfigOf(deps);
  const bundled = source.rules === DEFAULT_RULES_FILE ? DEFAULT_RULES : await loadRulesFile(source.rules);
  const rules = await createRulesLoader({ bundled, logger: deps.logger });
  const poll = createPoller({ config, clients: deps.aws, rules: () => rules.current(), logger: deps.logger });
  const stats = deps.stats;
  let lastRead = 1;
  let running = false;
  let stopped = false;
  let executions = 0;

  const invoke = async (input: unknown): Promise<unknown> => {
    // Optimized integration (arn:aws:states:::lambda:invoke) passes {FunctionName, Payload}; a plain
    // function ARN passes the payload itself.
    const wrapped =
      typeof input === 'object' && input !== null && 'Payload' in input && 'FunctionName' in input;
    const payload = (wrapped ? (input as { Payload: unknown }).Payload : input) as PollInput;
    const deadline = Date.now() + LOCAL_POLL_TIMEOUT_SECONDS * 1000;
    const res: PollResponse = await poll(payload, () => deadline - Date.now());
    if (res.partition !== undefined) {
      stats.consumed += res.counts.read;
      stats.delivered += res.counts.delivered;
      stats.enrichmentDlq += res.counts.dlq;
      stats.ruleDropped += res.counts.dropped;
      stats.batches++;
      lastRead += res.counts.read;
      if (res.counts.failed > 0) {
        stats.retries++;
        stats.lastError = `${res.statusCode} ${res.message}: ${res.detail}`;
      }
    }
    return wrapped ? { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: res } : res;
  };
  const handlers = Object.fromEntries(taskStateNames(definition).map((n) => [n, invoke]));
  const machine = new StateMachine(
    definition as never,
    { validationOptions: { checkArn: false, checkPaths: false } } as never,
  );

  const loop = (async () => {
    while (!stopped) {
      running = true;
      lastRead = 0;
      try {
        const execution = machine.run(
          {} as never,
          { overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: {} } } as never,
        );
        await execution.result;
      } catch (error) {
        stats.retries++;
        stats.lastError = `execution failed: ${(error as Error).message}`;
      }
      executions++;
      running = false;
      if (!stopped) await new Promise((r) => setTimeout(r, deps.pauseBetweenExecutionsMs ?? 200));
    }
  })();

  return {
    idle: () => !running && lastRead === 0,
    executions: () => executions,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
