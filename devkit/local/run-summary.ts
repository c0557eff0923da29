/**
 * The end of a local run (devkit/local/run.ts): reads every stream and DLQ back, reconciles each source
 * against what was produced, compares the engines on shared topics and adds up the summary.
 */
import { readAllRecords } from '../testbed/kinesis.js';
import { drainQueue } from './aws-resources.js';
import { type LakeContents, readLake } from './lake.js';
import type { EngineStats } from './pipe-runner.js';
import type { LocalSourcePlan } from './plan.js';
import type { ProducerRun } from './producer.js';
import {
  compareEngines,
  latencySummary,
  PARITY_REMOVED_FIELDS,
  type ParityResult,
  reconcileSource,
} from './reconcile.js';
import type { LocalRunSummary, SourceSummary } from './run.js';
import type { Engines, RunContext } from './run-engines.js';
import type { StreamTail } from './stream-tail.js';

/** A canonical record read back from a stream: its source, eventId and JSON text. */
interface StreamRecord {
  readonly source: string;
  readonly eventId: string;
  readonly json: string;
}

/** Every record of every stream of the run (Kinesis, and Firehose through its S3 objects), by stream. */
export async function readStreams(
  ctx: RunContext,
  engines: Engines,
): Promise<{ records: Map<string, StreamRecord[]>; lakes: Map<string, LakeContents> }> {
  const streamRecords = new Map<string, StreamRecord[]>();
  const lakes = new Map<string, LakeContents>();
  for (const ds of ctx.plan.deliveryStreams) {
    // What the engines acknowledged to this stream: on AWS the objects appear after the buffering interval.
    const expected = engines.active
      .filter((p) => p.deliveryStream?.name === ds.name)
      .reduce((n, p) => n + (engines.stats.get(p.source.name)?.delivered ?? 0), 0);
    const lake = await readLake(ctx.env.aws, ds, { expected, buffered: ctx.env.external });
    lakes.set(ds.name, lake);
    streamRecords.set(ds.name, lake.records);
  }
  for (const stream of ctx.plan.streams.keys()) {
    const recs = await readAllRecords(ctx.env.aws.kinesis, stream);
    streamRecords.set(
      stream,
      recs.map((r) => {
        const json = r.data.toString('utf8');
        const o = JSON.parse(json) as { source: string; eventId: string };
        return { source: o.source, eventId: o.eventId, json };
      }),
    );
  }
  return { records: streamRecords, lakes };
}

/** The objects a source's Firehose stream wrote: count, bytes, newline-delimited ones. */
function lakeSummary(p: LocalSourcePlan, lakes: ReadonlyMap<string, LakeContents>): SourceSummary['lake'] {
  const lake = p.deliveryStream ? lakes.get(p.deliveryStream.name) : undefined;
  if (!lake) return undefined;
  return {
    objects: lake.objects,
    bytes: lake.bytes,
    gzipObjects: lake.gzipObjects,
    newlineDelimitedObjects: lake.newlineDelimitedObjects,
    unparsed: lake.unparsed,
    ...(p.deliveryStream?.format && p.deliveryStream.format !== 'json'
      ? { notConverted: p.deliveryStream.format }
      : {}),
  };
}

/**
 * Produce → S3 latency of a source's records in the lake: from the Kafka timestamp to the LastModified of
 * the object holding the record (whole seconds on S3; moto writes the object during the PutRecordBatch).
 */
function lakeLatencies(lakes: ReadonlyMap<string, LakeContents>, source?: string): number[] {
  const out: number[] = [];
  for (const lake of lakes.values())
    for (const r of lake.records)
      if ((source === undefined || r.source === source) && Number.isFinite(r.producedMs))
        out.push(r.writtenMs - r.producedMs);
  return out;
}

/** The records a source delivered to its stream. */
function deliveredBy(p: LocalSourcePlan, streamRecords: ReadonlyMap<string, StreamRecord[]>): StreamRecord[] {
  return (streamRecords.get(p.streamName) ?? []).filter((r) => r.source === p.source.name);
}

/** Drains a source's enrichment DLQ: eventIds and the count per reason code. */
async function drainEnrichmentDlq(ctx: RunContext, p: LocalSourcePlan) {
  const url = ctx.queueUrls.get(p.enrichmentDlqName) as string;
  const entries = (await drainQueue(ctx.env.aws.sqs, url)).map(
    (b) => JSON.parse(b) as { eventId: string; reason: string },
  );
  const byReason: Record<string, number> = {};
  for (const e of entries) {
    const code = e.reason.slice(0, e.reason.indexOf(':'));
    byReason[code] = (byReason[code] ?? 0) + 1;
  }
  return { eventIds: entries.map((e) => e.eventId), byReason };
}

/** Drains a lambda target's DLQ: the eventIds inside its on-failure invocation records. */
async function drainTargetDlq(ctx: RunContext, p: LocalSourcePlan): Promise<string[]> {
  if (!p.targetDlqName) return [];
  const ids: string[] = [];
  for (const b of await drainQueue(ctx.env.aws.sqs, ctx.queueUrls.get(p.targetDlqName) as string)) {
    const rec = JSON.parse(b) as { requestPayload?: { eventId: string }[] };
    for (const r of rec.requestPayload ?? []) ids.push(r.eventId);
  }
  return ids;
}

/** Reconciles one source: every produced record delivered, filtered, in a DLQ or dropped by a rule. */
export async function summarizeSource(
  ctx: RunContext,
  p: LocalSourcePlan,
  live: {
    engines: Engines;
    prod: ProducerRun;
    tail: StreamTail;
    streams: ReadonlyMap<string, StreamRecord[]>;
    lakes: ReadonlyMap<string, LakeContents>;
  },
): Promise<SourceSummary> {
  const name = p.source.name;
  const st = live.engines.stats.get(name) as EngineStats;
  const enrichmentDlq = await drainEnrichmentDlq(ctx, p);
  const rec = reconcileSource(
    { name, topic: p.source.topic, eventSource: p.eventSource, cluster: p.cluster },
    live.prod.produced,
    {
      delivered: deliveredBy(p, live.streams).map((r) => r.eventId),
      enrichmentDlq: enrichmentDlq.eventIds,
      targetDlq: await drainTargetDlq(ctx, p),
      ruleDroppedIds: st.ruleDroppedIds,
      ruleDroppedCount: st.ruleDropped,
    },
  );
  return {
    ...rec,
    engine: p.source.engine,
    target: p.source.target.type,
    stream: p.streamName,
    listener: ctx.env.external ? 'external' : p.listener,
    consumed: st.consumed,
    retries: st.retries,
    lastError: st.lastError,
    dlqByReason: enrichmentDlq.byReason,
    latencyMs: latencySummary(
      p.deliveryStream ? lakeLatencies(live.lakes, name) : (live.tail.state.latencyBySource.get(name) ?? []),
    ),
    deliveredSeenLive: live.tail.state.deliveredBySource.get(name) ?? 0,
    timeMs: { enrichment: Math.round(st.enrichMs), target: Math.round(st.targetMs) },
    ...(p.deliveryStream ? { lake: lakeSummary(p, live.lakes) } : {}),
  };
}

/** Engine parity: each poller source against each pipe source reading the same topic. */
export function engineParity(
  active: readonly LocalSourcePlan[],
  streamRecords: ReadonlyMap<string, StreamRecord[]>,
): ParityResult[] {
  const parity: ParityResult[] = [];
  const of = (p: LocalSourcePlan) => deliveredBy(p, streamRecords).map((r) => r.json);
  for (const poller of active.filter((p) => p.source.engine === 'poller')) {
    for (const pipe of active.filter(
      (p) => p.source.engine === 'pipe' && p.source.topic === poller.source.topic,
    )) {
      const removed: string[] = [...PARITY_REMOVED_FIELDS];
      if (pipe.source.target.partitionKey !== poller.source.target.partitionKey) removed.push('partitionKey');
      if (pipe.source.rules !== poller.source.rules) removed.push('ruleVersion');
      parity.push(
        compareEngines(
          { name: pipe.source.name, records: of(pipe) },
          { name: poller.source.name, records: of(poller) },
          poller.source.topic,
          removed,
        ),
      );
    }
  }
  return parity;
}

/** The run's summary: produced, throughput, latency, per source, totals, parity; ok = nothing missing. */
export function summarizeRun(
  ctx: RunContext,
  run: {
    startedMs: number;
    prod: ProducerRun;
    tail: StreamTail;
    lakes: ReadonlyMap<string, LakeContents>;
    sources: SourceSummary[];
    parity: ParityResult[];
    skipped: LocalRunSummary['skipped'];
    drained: boolean;
  },
): LocalRunSummary {
  const { prod, tail, sources, parity } = run;
  const byKind: Record<string, number> = {};
  for (const r of prod.produced) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  const sum = (f: (s: SourceSummary) => number) => sources.reduce((a, s) => a + f(s), 0);
  const producedSeconds = Math.max(0.001, ((prod.finishedAtMs ?? Date.now()) - prod.startedAtMs) / 1000);
  const lastLakeWrite = Math.max(
    0,
    ...[...run.lakes.values()].flatMap((l) => l.records.map((r) => r.writtenMs)),
  );
  const lastArrival = Math.max(tail.state.lastArrivalMs ?? 0, lastLakeWrite) || Date.now();
  const endToEndSeconds = Math.max(0.001, (lastArrival - prod.startedAtMs) / 1000);
  const totals = {
    delivered: sum((s) => s.delivered),
    filtered: sum((s) => s.filtered),
    enrichmentDlq: sum((s) => s.enrichmentDlq),
    targetDlq: sum((s) => s.targetDlq),
    ruleDropped: sum((s) => s.ruleDropped),
    missing: sum((s) => s.missing),
    duplicates: sum((s) => s.duplicates),
  };
  const ok =
    totals.missing === 0 &&
    sources.every((s) => s.deliveredDespiteFilter === 0 && (s.lake?.unparsed ?? 0) === 0) &&
    parity.every((p) => p.different === 0);
  return {
    mode: ctx.env.external ? 'external' : 'test-bed',
    options: ctx.options,
    startedAt: new Date(run.startedMs).toISOString(),
    durationMs: Date.now() - run.startedMs,
    produced: { total: prod.produced.length, byTopic: Object.fromEntries(prod.byTopic), byKind },
    throughput: {
      producedPerSecond: Math.round(prod.produced.length / producedSeconds),
      deliveredPerSecond: Math.round(totals.delivered / endToEndSeconds),
    },
    latencyMs: latencySummary([
      ...[...tail.state.latencyBySource.values()].flat(),
      ...lakeLatencies(run.lakes),
    ]),
    sources,
    totals,
    parity,
    skipped: run.skipped,
    drained: run.drained,
    ok,
  };
}
