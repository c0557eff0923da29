/**
 * The local poller engine: runs an `engine: poller` source the way AWS does — executions of the
 * poller's state machine definition (Map over iterations × Map over partitions, from the poller's own
 * ASL builder) in aws-local-stepfunctions, with the Lambda task bound to the poller Lambda's logic
 * (createPoller, what fallback-poller/handler.ts runs) over the mTLS listener, the client certificate
 * from Secrets Manager and the long trust bundle from S3.
 */
import type { KafkaConnection } from '../../core/kafka/client.js';
import { DEFAULT_RULES, DEFAULT_RULES_FILE, loadRulesFile } from '../../enrichment/index.js';
import { createRulesLoader } from '../../enrichment/rules-loader.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { createPoller } from '../../fallback-poller/create-poller.js';
import type { PollInput, PollResponse } from '../../fallback-poller/poll-partition.js';
import { runPollerDefinitionLocally } from '../../fallback-poller/run-local.js';
import { buildPollerDefinition, scheduleInput } from '../../fallback-poller/state-machine.js';
import type { LocalAwsClients } from './aws-resources.js';
import type { EngineStats } from './pipe-runner.js';
import type { LocalSourcePlan } from './plan.js';
import type { QuietLogger } from './wiring.js';

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
  /** True once every partition's latest poll read nothing (caught up). */
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

/** Longest Wait between iterations locally (the definition's `seconds_wait` is capped to keep runs short). */
export const LOCAL_WAIT_CAP_MS = 1_000;

/** Starts the poller engine of one source. */
export async function startPollerEngine(deps: PollerEngineDeps): Promise<PollerEngine> {
  const source = deps.plan.source;
  const p = source.poller;
  const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${source.name}-local-Poller`;
  const definition = buildPollerDefinition({ functionArn, sourceName: source.name });
  const input = scheduleInput({
    iterations: p?.iterations ?? 4,
    partitions: p?.partitions ?? 'auto',
    secondsWait: p?.secondsWait ?? 5,
    lambdaName: functionArn,
  });
  const config = pollerConfigOf(deps);
  const bundled = source.rules === DEFAULT_RULES_FILE ? DEFAULT_RULES : await loadRulesFile(source.rules);
  const rules = await createRulesLoader({ bundled, logger: deps.logger });
  const poll = createPoller({ config, clients: deps.aws, rules: () => rules.current(), logger: deps.logger });
  const stats = deps.stats;
  const lastRead = new Map<number, number>();
  let stopped = false;
  let executions = 0;

  // The Lambda task: the poller's logic with a Lambda-like remaining-time budget.
  const invoke = async (payload: unknown): Promise<unknown> => {
    const deadline = Date.now() + LOCAL_POLL_TIMEOUT_SECONDS * 1000;
    const res: PollResponse = await poll(payload as PollInput, () => deadline - Date.now());
    if (res.partition !== undefined) {
      stats.consumed += res.counts.read;
      stats.delivered += res.counts.delivered;
      stats.enrichmentDlq += res.counts.dlq;
      stats.ruleDropped += res.counts.dropped;
      stats.batches++;
      lastRead.set(res.partition, res.counts.read);
      if (res.counts.failed > 0 || res.statusCode >= 500) {
        stats.retries++;
        stats.lastError = `${res.statusCode} ${res.message}: ${res.detail}`;
      }
    }
    return res;
  };

  const loop = (async () => {
    while (!stopped) {
      const result = await runPollerDefinitionLocally(definition, input, invoke, {
        waitMs: Math.min(LOCAL_WAIT_CAP_MS, (p?.secondsWait ?? 5) * 1000),
        retryMs: 200,
      }).catch((error: unknown) => ({
        status: 'FAILED' as const,
        error: 'Error',
        cause: (error as Error).message,
      }));
      executions++;
      if (result.status === 'FAILED') {
        stats.retries++;
        stats.lastError = `execution failed: ${result.error}: ${result.cause}`;
      }
      if (!stopped) await new Promise((r) => setTimeout(r, deps.pauseBetweenExecutionsMs ?? 200));
    }
  })();

  return {
    idle: () => lastRead.size > 0 && [...lastRead.values()].every((n) => n === 0),
    executions: () => executions,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
