/**
 * The Kafka steps of `check`, run on the connected admin probe: metadata (advertised listeners), topic
 * (with the closest existing name), partitions (leaders, replication) and the consumer group with its lag
 * and any committed offset outside the log (records lost to retention, a recreated or truncated topic).
 */
import type { AdminProbe, PartitionLag } from '../../core/kafka/admin-probe.js';
import { didYouMean } from '../../pipes/load-sources.js';
import { diagnoseKafka } from './diagnose.js';
import { type StepLog, timed } from './engine.js';
import { withTimeout } from './net-probe.js';
import type { CheckPlan } from './plan.js';

/** Runs metadata → topic → partitions → group; skips the rest once metadata or the topic fails. */
export async function kafkaSteps(plan: CheckPlan, probe: AdminProbe, log: StepLog): Promise<void> {
  if (!(await metadataStep(plan, probe, log))) return log.skipFrom('topic', 'no metadata');
  if (!(await topicStep(plan, probe, log))) return log.skipFrom('partitions', 'topic unknown');
  await partitionsStep(plan, probe, log);
  await groupStep(plan, probe, log);
}

async function metadataStep(plan: CheckPlan, probe: AdminProbe, log: StepLog): Promise<boolean> {
  const md = await timed(() => withTimeout(probe.describeCluster(), plan.stepTimeoutMs, 'describe cluster'));
  if (md.error || !md.value) {
    log.push({ step: 'metadata', status: 'fail', ms: md.ms, ...diagnoseKafka('metadata', md.error, plan) });
    return false;
  }
  const advertised = md.value.brokers.map((b) => `${b.host}:${b.port}`);
  const unknownHosts = advertised.filter((a) => !plan.brokers.includes(a));
  log.push({
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
  return true;
}

async function topicStep(plan: CheckPlan, probe: AdminProbe, log: StepLog): Promise<boolean> {
  const topics = await timed(() => withTimeout(probe.listTopics(), plan.stepTimeoutMs, 'list topics'));
  if (topics.error || !topics.value) {
    log.push({ step: 'topic', status: 'fail', ms: topics.ms, ...diagnoseKafka('topic', topics.error, plan) });
    return false;
  }
  if (topics.value.includes(plan.topic)) {
    log.push({ step: 'topic', status: 'pass', ms: topics.ms, message: `topic ${plan.topic} exists` });
    return true;
  }
  const guess = didYouMean(plan.topic, topics.value);
  log.push({
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
  return false;
}

async function partitionsStep(plan: CheckPlan, probe: AdminProbe, log: StepLog): Promise<void> {
  const T = plan.stepTimeoutMs;
  const parts = await timed(() => withTimeout(probe.topicPartitions(plan.topic), T, 'topic metadata'));
  if (parts.error || !parts.value) {
    const diagnosis = diagnoseKafka('partitions', parts.error, plan);
    log.push({ step: 'partitions', status: 'fail', ms: parts.ms, ...diagnosis });
    return;
  }
  const leaderless = parts.value.filter((p) => p.leader < 0).map((p) => p.partition);
  const underReplicated = parts.value.filter((p) => p.isr < p.replicas).map((p) => p.partition);
  log.push({
    step: 'partitions',
    status: leaderless.length > 0 ? 'fail' : underReplicated.length > 0 ? 'warn' : 'pass',
    ms: parts.ms,
    message:
      `${parts.value.length} partition(s)` +
      (leaderless.length > 0 ? `; no leader for ${leaderless.join(', ')}` : '') +
      (underReplicated.length > 0 ? `; under-replicated: ${underReplicated.join(', ')}` : ''),
    ...(leaderless.length > 0
      ? {
          cause: 'brokers holding those partitions are down',
          fix: 'bring the brokers back; records there cannot be read',
        }
      : {}),
    details: parts.value,
  });
}

async function groupStep(plan: CheckPlan, probe: AdminProbe, log: StepLog): Promise<void> {
  const T = plan.stepTimeoutMs;
  const group = await timed(async () => {
    const g = await withTimeout(probe.describeGroup(plan.groupId), T, 'describe group');
    const lag = await withTimeout(probe.groupLag(plan.groupId, plan.topic), T, 'group offsets');
    return { g, lag };
  });
  if (group.error || !group.value) {
    log.push({ step: 'group', status: 'fail', ms: group.ms, ...diagnoseKafka('group', group.error, plan) });
    return;
  }
  const { g, lag } = group.value;
  const total = lag.reduce((a, p) => a + BigInt(p.lag), 0n);
  const committed = lag.filter((p) => p.committed !== null).length;
  const pollerBusy = plan.engine === 'poller' && g.members > 0;
  const outside = offsetsOutsideLog(lag);
  log.push({
    step: 'group',
    status: pollerBusy || outside ? 'warn' : 'pass',
    ms: group.ms,
    message:
      (g.state !== 'Dead'
        ? `group ${plan.groupId}: ${g.state}, ${g.members} member(s), offsets committed on ${committed}/${lag.length} partition(s), lag ${total}`
        : `group ${plan.groupId} does not exist yet: the first run starts at the starting position (lag ${total})`) +
      (outside ? `; ${outside.message}` : ''),
    ...(outside && !pollerBusy ? { cause: outside.cause, fix: outside.fix } : {}),
    ...(pollerBusy
      ? {
          cause:
            'the poller commits its offsets without joining the group (an OffsetCommit with no member id), which Kafka refuses while the group has active members',
          fix: `stop the other consumers of ${plan.groupId}, or give the source its own consumerGroupId`,
        }
      : {}),
    details: { state: g.state, members: g.members, lag },
  });
}

/**
 * Committed offsets outside the log, as `kafka-consumer-groups --describe` would show them: below the log
 * start (records deleted by retention before the group read them) or above the log end (a negative LAG: the
 * topic was recreated, or its log truncated). Undefined when every commit lies inside the log.
 */
export function offsetsOutsideLog(
  lag: readonly PartitionLag[],
): { message: string; cause: string; fix: string } | undefined {
  const lost: string[] = [];
  const beyond: string[] = [];
  for (const p of lag) {
    if (p.committed === null) continue;
    const c = BigInt(p.committed);
    if (c < BigInt(p.logStart))
      lost.push(
        `partition ${p.partition}: ${BigInt(p.logStart) - c} records (offsets ${c}-${BigInt(p.logStart) - 1n})`,
      );
    else if (c > BigInt(p.logEnd))
      beyond.push(`partition ${p.partition}: committed ${c} > log end ${p.logEnd}`);
  }
  if (lost.length === 0 && beyond.length === 0) return undefined;
  const parts = [
    ...(lost.length > 0 ? [`records lost to retention before they were read: ${lost.join(', ')}`] : []),
    ...(beyond.length > 0
      ? [`committed offsets beyond the log end (topic recreated or truncated): ${beyond.join(', ')}`]
      : []),
  ];
  return {
    message: parts.join('; '),
    cause:
      lost.length > 0
        ? "the topic's retention deleted records the group had not read yet"
        : 'the topic was deleted and created again (its offsets restart at 0) or its log was truncated',
    fix:
      'the poller applies poller.offsetReset at its next poll (earliest by default for TRIM_HORIZON) and counts the loss (RecordsLostToRetention); ' +
      'for a recreated topic, clear the eventId de-duplication state of its consumers (eventIds restart with the offsets, fallback-poller/README.md); ' +
      'raise retention.ms or read faster so records are read before they expire',
  };
}
