import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import {
  EXECUTION_BUDGET_SECONDS,
  executionHistoryEvents,
  maxPartitionsPerExecution,
} from '../../../fallback-poller/poller-limits.js';
import { runPollerDefinitionLocally } from '../../../fallback-poller/run-local.js';
import {
  buildPollerDefinition,
  POLLER_STATES,
  scheduleInput,
} from '../../../fallback-poller/state-machine.js';

type Call = {
  kafka_partition?: number;
  iteration?: number;
  type?: string;
  source?: string;
  execution_start?: string;
  budget_seconds?: number;
  atMs: number;
};

function recorder(answer: (call: Call, n: number) => unknown) {
  const calls: Call[] = [];
  return {
    calls,
    invoke: async (payload: unknown) => {
      const call = { ...(payload as Call), atMs: Date.now() };
      calls.push(call);
      return answer(call, calls.length);
    },
  };
}

const ok = (call: Call, extra: Record<string, unknown> = {}) => ({
  statusCode: 200,
  message: 'ok',
  detail: '',
  counts: { read: 1 },
  partition: call.kafka_partition,
  moreRecords: false,
  budgetLeftSeconds: 40,
  ...extra,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pollsOf = (calls: Call[], partition: number) => calls.filter((c) => c.kafka_partition === partition);
const input = (iterations: number, partitions: number[] | 'auto', secondsWait = 5) =>
  scheduleInput({ iterations, partitions, secondsWait, lambdaName: 'poller' });

describe('poller state machine definition', () => {
  it('maps over the partitions all at once, each running its own loop of polls, then checks the results', () => {
    const def = buildPollerDefinition({
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:poller',
    }) as {
      States: Record<
        string,
        {
          Type: string;
          MaxConcurrency?: number;
          ItemProcessor?: { ProcessorConfig: unknown; States: Record<string, { Type: string }> };
        }
      >;
    };
    const loops = def.States[POLLER_STATES.partitionLoops];
    expect(loops?.Type).toBe('Map');
    expect(loops?.MaxConcurrency).toBe(0);
    expect(loops?.ItemProcessor?.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    expect(Object.keys(loops?.ItemProcessor?.States ?? {})).toEqual([
      'start_partition_loop',
      'execute_lambda_kafka',
      'check_lambda_status',
      'next_poll',
      'wait_for_next_poll',
      'advance_poll',
      'partition_done',
      'failure_lambda',
      'failed_status',
    ]);
    expect(def.States[POLLER_STATES.checkResults]?.Type).toBe('Choice');
    expect(def.States[POLLER_STATES.checkPartitionCount]?.Type).toBe('Choice');
  });

  it('builds the schedule input: the original shape plus the time budget and the partition cap', () => {
    expect(input(4, [0, 1, 2])).toEqual({
      iterations: [1, 2, 3, 4],
      partitions: [0, 1, 2],
      seconds_wait: 5,
      lambda_name: 'poller',
      budget_seconds: EXECUTION_BUDGET_SECONDS,
      max_partitions: 40,
    });
    expect(EXECUTION_BUDGET_SECONDS).toBeLessThan(60);
  });

  it('keeps an execution history well under the 25,000 events Step Functions allows', () => {
    expect(executionHistoryEvents(3, 4)).toBe(277);
    for (const iterations of [1, 4, 10, 30, 60]) {
      const max = maxPartitionsPerExecution(iterations);
      expect(max).toBeLessThanOrEqual(40);
      expect(executionHistoryEvents(max, iterations)).toBeLessThanOrEqual(20_000);
      expect(executionHistoryEvents(max + 1, iterations) > 20_000 || max === 40).toBe(true);
    }
    expect(maxPartitionsPerExecution(60)).toBe(17);
  });

  it.each([
    { iterations: 4, partitions: [0, 1, 2], expected: 12 },
    { iterations: 1, partitions: [5], expected: 1 },
    { iterations: 3, partitions: [0, 1], expected: 6 },
  ])(
    'polls each caught-up partition $iterations times ($iterations × $partitions.length), numbering the polls',
    async ({ iterations, partitions, expected }) => {
      const { calls, invoke } = recorder((call) => ok(call));
      const result = await runPollerDefinitionLocally(
        buildPollerDefinition({ sourceName: 'apic' }),
        input(iterations, partitions),
        invoke,
      );
      expect(result.status).toBe('SUCCEEDED');
      expect(calls).toHaveLength(expected);
      expect(calls.every((c) => c.source === 'apic' && c.budget_seconds === EXECUTION_BUDGET_SECONDS)).toBe(
        true,
      );
      expect(calls.every((c) => !Number.isNaN(Date.parse(c.execution_start ?? '')))).toBe(true);
      for (const p of partitions) {
        expect(pollsOf(calls, p).map((c) => c.iteration)).toEqual(
          Array.from({ length: iterations }, (_, i) => i + 1),
        );
      }
    },
  );

  it('lets no partition wait on another: a slow partition does not hold back the others', async () => {
    // Partition 0 keeps reading (each poll 300 ms, records left); 1 and 2 are caught up at once.
    const { calls, invoke } = recorder(async (call) => {
      if (call.kafka_partition !== 0) return ok(call);
      await sleep(300);
      return ok(call, { moreRecords: true });
    });
    const result = await runPollerDefinitionLocally(buildPollerDefinition(), input(3, [0, 1, 2]), invoke);
    expect(result.status).toBe('SUCCEEDED');
    const firstOfHot = pollsOf(calls, 0)[0]?.atMs ?? 0;
    for (const p of [1, 2]) {
      const polls = pollsOf(calls, p);
      expect(polls).toHaveLength(3);
      // Every poll of the quiet partitions starts before the hot partition's first poll ends.
      expect(Math.max(...polls.map((c) => c.atMs)) - firstOfHot).toBeLessThan(250);
    }
    expect(pollsOf(calls, 0)).toHaveLength(3);
  });

  it('polls a partition with records left again at once, a caught-up one after the Wait', async () => {
    const { calls, invoke } = recorder((call) => ok(call, { moreRecords: call.kafka_partition === 0 }));
    const result = await runPollerDefinitionLocally(buildPollerDefinition(), input(3, [0, 1]), invoke, {
      waitMs: 300,
    });
    expect(result.status).toBe('SUCCEEDED');
    const gaps = (p: number) => {
      const at = pollsOf(calls, p).map((c) => c.atMs);
      return at.slice(1).map((t, i) => t - (at[i] as number));
    };
    expect(gaps(0).every((g) => g < 150)).toBe(true);
    expect(gaps(1).every((g) => g >= 290)).toBe(true);
  });

  it.each([
    { name: 'the budget is spent', left: 0, more: true, expected: 1 },
    { name: 'less budget is left than the Wait', left: 5, more: false, expected: 1 },
    { name: 'records are left and budget too', left: 5, more: true, expected: 4 },
    { name: 'more budget is left than the Wait', left: 6, more: false, expected: 4 },
  ])('ends a partition loop when $name ($expected polls)', async ({ left, more, expected }) => {
    const { calls, invoke } = recorder((call) => ok(call, { budgetLeftSeconds: left, moreRecords: more }));
    const result = await runPollerDefinitionLocally(buildPollerDefinition(), input(4, [0], 5), invoke);
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(expected);
  });

  it('discovers partitions first when partitions is "auto"', async () => {
    const { calls, invoke } = recorder((call) =>
      call.type === 'describe' ? { partitions: [0, 1, 2] } : ok(call),
    );
    const result = await runPollerDefinitionLocally(buildPollerDefinition(), input(2, 'auto', 1), invoke);
    expect(result.status).toBe('SUCCEEDED');
    expect(calls[0]).toMatchObject({ type: 'describe' });
    expect(
      calls
        .slice(1)
        .map((c) => `${c.iteration}/${c.kafka_partition}`)
        .sort(),
    ).toEqual(['1/0', '1/1', '1/2', '2/0', '2/1', '2/2']);
  });

  it.each([{ partitions: 'auto' as const }, { partitions: Array.from({ length: 41 }, (_, i) => i) }])(
    'fails before any poll when there are more partitions than max_partitions',
    async ({ partitions }) => {
      const { calls, invoke } = recorder((call) =>
        call.type === 'describe' ? { partitions: Array.from({ length: 41 }, (_, i) => i) } : ok(call),
      );
      const result = await runPollerDefinitionLocally(buildPollerDefinition(), input(4, partitions), invoke);
      expect(result).toMatchObject({ status: 'FAILED', error: 'PollerTooManyPartitions' });
      expect(calls.filter((c) => c.kafka_partition !== undefined)).toHaveLength(0);
    },
  );

  it('retries a RetriableError and then succeeds', async () => {
    const { calls, invoke } = recorder((call, n) => {
      if (n === 1) throw new RetriableError('could not connect to kafka: ECONNREFUSED');
      return ok(call);
    });
    const result = await runPollerDefinitionLocally(buildPollerDefinition(), input(1, [0], 0), invoke);
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(2);
  });

  it.each([
    {
      name: 'a task that keeps throwing',
      answer: (call: Call) => {
        if (call.kafka_partition === 1) throw new Error('partition 1 does not exist in topic apic');
        return ok(call);
      },
      cause: 'partition 1 does not exist in topic apic',
    },
    {
      name: 'a 503 answer',
      answer: (call: Call) =>
        call.kafka_partition === 1
          ? { ...ok(call), statusCode: 503, detail: 'lock renew before commit failed: table unavailable' }
          : ok(call),
      cause: 'lock renew before commit failed: table unavailable',
    },
  ])(
    'fails the execution on $name, ending only that partition loop, naming the cause',
    async ({ answer, cause }) => {
      const { calls, invoke } = recorder(answer);
      const result = await runPollerDefinitionLocally(buildPollerDefinition(), input(2, [0, 1], 0), invoke);
      expect(result).toMatchObject({ status: 'FAILED', error: 'PollerIterationFailed' });
      const loops = (JSON.parse((result as { cause: string }).cause) as { $: string[] }).$;
      expect(loops).toEqual([
        'Task Succeeded: partition 0 poll 2: status 200',
        expect.stringMatching(/^Task Failed: partition 1 poll 1: /),
      ]);
      expect(loops[1]).toContain(cause);
      expect(pollsOf(calls, 0)).toHaveLength(2);
    },
  );
});
