/**
 * Kafka's own `ConsumerGroupCommand` (kafka-consumer-groups.sh; class
 * `org.apache.kafka.tools.consumer.group.ConsumerGroupCommand` from the `kafka-tools` jar since Kafka 3.8), run
 * with the test bed's `java` and jars: tests read a group's committed offsets exactly as an operator would.
 * https://kafka.apache.org/documentation/#basic_ops_consumer_group
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureInstalled, kafkaLibsDir } from './install-paths.js';

const execFileAsync = promisify(execFile);

const GROUP_COMMAND_CLASS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';
/** Upper bound of one run (JVM start ≈ 0.3 s, admin round trips, the tool's own 5 s default timeout). */
const RUN_TIMEOUT_MS = 60_000;

/** One row of `--describe --offsets`: offsets stay decimal strings; `null` where the tool prints `-`. */
export interface GroupPartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** CURRENT-OFFSET: the committed offset; `null` when the group has none for this partition. */
  readonly currentOffset: string | null;
  /** LOG-END-OFFSET: the partition's high watermark. */
  readonly logEndOffset: string | null;
  /** LAG = LOG-END-OFFSET − CURRENT-OFFSET (negative when the commit is beyond the log end). */
  readonly lag: string | null;
}

/** What {@link describeGroup} returns. */
export interface GroupDescription {
  /** False when the tool answers "Consumer group '…' does not exist." */
  readonly exists: boolean;
  /** Rows sorted by topic, then partition. */
  readonly partitions: readonly GroupPartitionOffsets[];
}

/**
 * Runs `ConsumerGroupCommand --bootstrap-server <bootstrap> --describe --offsets --group <group>` (PLAINTEXT
 * listener) and parses its table. Throws with the tool's output when it fails for another reason.
 */
export async function describeGroup(bootstrap: string, group: string): Promise<GroupDescription> {
  const out = await runGroupCommand([
    '--bootstrap-server',
    bootstrap,
    '--describe',
    '--offsets',
    '--group',
    group,
  ]);
  return parseDescribeOutput(out, group);
}

/** Runs the tool with `args`; resolves with stdout + stderr (the tool prints some notices on stderr). */
async function runGroupCommand(args: readonly string[]): Promise<string> {
  ensureInstalled();
  try {
    const { stdout, stderr } = await execFileAsync(
      'java',
      ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', `${kafkaLibsDir()}/*`, GROUP_COMMAND_CLASS, ...args],
      { timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
    );
    return `${stdout}\n${stderr}`;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
    // The tool exits non-zero for a missing group on some versions; that answer is still an answer.
    if (/does not exist/.test(output)) return output;
    throw new Error(`ConsumerGroupCommand ${args.join(' ')} failed: ${e.message}\n${output}`.trimEnd(), {
      cause: err,
    });
  }
}

/** Parses the `--describe --offsets` table (columns GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG …). */
export function parseDescribeOutput(output: string, group: string): GroupDescription {
  // Kafka 3.x prints the first notice; the Kafka 4.x tool fails with GroupIdNotFoundException instead.
  if (
    output.includes(`Consumer group '${group}' does not exist.`) ||
    output.includes(`GroupIdNotFoundException: Group ${group} not found.`)
  )
    return { exists: false, partitions: [] };
  const lines = output.split('\n').map((l) => l.trim());
  const header = lines.findIndex((l) =>
    /^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\b/.test(l),
  );
  if (header < 0) {
    // A group with no committed offsets at all prints only a notice (e.g. "has no active members").
    if (new RegExp(`Consumer group '${escapeRegExp(group)}'`).test(output))
      return { exists: true, partitions: [] };
    throw new Error(`ConsumerGroupCommand output has no offsets table:\n${output}`);
  }
  const partitions: GroupPartitionOffsets[] = [];
  for (const line of lines.slice(header + 1)) {
    if (line === '') continue;
    const cols = line.split(/\s+/);
    if (cols[0] !== group || cols.length < 6) continue;
    const [, topic, partition, current, logEnd, lag] = cols as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    partitions.push({
      topic,
      partition: Number(partition),
      currentOffset: dashToNull(current),
      logEndOffset: dashToNull(logEnd),
      lag: dashToNull(lag),
    });
  }
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { exists: true, partitions };
}

function dashToNull(v: string): string | null {
  return v === '-' ? null : v;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
