import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import { runPollerDefinitionLocally } from '../../../fallback-poller/run-local.js';
import {
  buildPollerDefinition,
  POLLER_STATES,
  scheduleInput,
} from '../../../fallback-poller/state-machine.js';

type Call = { kafka_partition?: number; iteration?: number; type?: string; source?: string };

function recorder(answer: (call: Call, n: number) => unknown) {
  const calls: Call[] = [];
  return {
    calls,
    invoke: async (payload: unknown) => {
      const call = payload as Call;
      calls.push(call);
      return answer(call, calls.length);
    },
  };
}

const ok = (call: Call) => ({
  statusCode: 200,
  message: 'ok',
  detail: '',
  counts: { read: 1 },
  partition: call.kafka_partition,
});

describe('poller state machine definition', () => {
  it('follows the original poller design: iterations map (MaxConcurrency 1) over a partitions map, a wait, a result check', () => {
    const def = buildPollerDefinition({
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:poller',
    }) as {
      States: Record<
        string,
        {
          Type: string;
          MaxConcurrency?: number;
          Iterator?: { States: Record<string, { Type: string; MaxConcurrency?: number }> };
        }
      >;
    };
    const loop = def.States[POLLER_STATES.loopMapping];
    expect(loop?.Type).toBe('Map');
    expect(loop?.MaxConcurrency).toBe(1);
    expect(Object.keys(loop?.Iterator?.States ?? {})).toEqual([
      'get_parameters',
      'parallel_lambda_processing',
      'wait_for_new_execution',
      'success',
      'failure',
    ]);
    expect(loop?.Iterator?.States.parallel_lambda_processing?.MaxConcurrency).toBe(0);
    expect(def.States[POLLER_STATES.checkResults]?.Type).toBe('Choice');
  });

  it('builds the schedule input in the seed shape', () => {
    expect(
      scheduleInput({ iterations: 4, partitions: [0, 1, 2], secondsWait: 5, lambdaName: 'poller' }),
    ).toEqual({
      iterations: [1, 2, 3, 4],
      partitions: [0, 1, 2],
      seconds_wait: 5,
      lambda_name: 'poller',
    });
  });

  it.each([
    { iterations: 4, partitions: [0, 1, 2], expected: 12 },
    { iterations: 1, partitions: [5], expected: 1 },
    { iterations: 3, partitions: [0, 1], expected: 6 },
  ])(
    'invokes the poller iterations × partitions times ($iterations × $partitions.length)',
    async ({ iterations, partitions, expected }) => {
      const { calls, invoke } = recorder(ok);
      const result = await runPollerDefinitionLocally(
        buildPollerDefinition({ sourceName: 'apic' }),
        scheduleInput({ iterations, partitions, secondsWait: 5, lambdaName: 'poller' }),
        invoke,
      );
      expect(result.status).toBe('SUCCEEDED');
      expect(calls).toHaveLength(expected);
      expect(calls.every((c) => c.source === 'apic')).toBe(true);
      const perIteration = Array.from({ length: iterations }, (_, i) =>
        calls
          .filter((c) => c.iteration === i + 1)
          .map((c) => c.kafka_partition)
          .sort(),
      );
      expect(perIteration).toEqual(Array.from({ length: iterations }, () => [...partitions].sort()));
    },
  );

  it('discovers partitions first when partitions is "auto"', async () => {
    const { calls, invoke } = recorder((call) =>
      call.type === 'describe' ? { partitions: [0, 1, 2] } : ok(call),
    );
    const result = await runPollerDefinitionLocally(
      buildPollerDefinition(),
      scheduleInput({ iterations: 2, partitions: 'auto', secondsWait: 1, lambdaName: 'poller' }),
      invoke,
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(calls[0]).toEqual({ type: 'describe' });
    expect(
      calls
        .slice(1)
        .map((c) => `${c.iteration}/${c.kafka_partition}`)
        .sort(),
    ).toEqual(['1/0', '1/1', '1/2', '2/0', '2/1', '2/2']);
  });

  it('retries a RetriableError and then succeeds', async () => {
    const { calls, invoke } = recorder((call, n) => {
      if (n === 1) throw new RetriableError('could not connect to kafka: ECONNREFUSED');
      return ok(call);
    });
    const result = await runPollerDefinitionLocally(
      buildPollerDefinition(),
      scheduleInput({ iterations: 1, partitions: [0], secondsWait: 0, lambdaName: 'poller' }),
      invoke,
    );
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
    'fails the execution on $name, after running every iteration, naming the cause',
    async ({ answer, cause }) => {
      const { calls, invoke } = recorder(answer);
      const result = await runPollerDefinitionLocally(
        buildPollerDefinition(),
        scheduleInput({ iterations: 2, partitions: [0, 1], secondsWait: 0, lambdaName: 'poller' }),
        invoke,
      );
      expect(result).toMatchObject({ status: 'FAILED', error: 'PollerIterationFailed' });
      const iterations = (JSON.parse((result as { cause: string }).cause) as { $: string[] }).$;
      expect(iterations).toHaveLength(2);
      iterations.forEach((r, i) => {
        expect(r.startsWith(`Task Failed: iteration ${i + 1}: `)).toBe(true);
        expect(r).toContain(cause);
      });
      expect(calls.filter((c) => c.kafka_partition === 0)).toHaveLength(2);
    },
  );
});
