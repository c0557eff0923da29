/**
 * The poller's Step Functions definition (Amazon States Language), as a pure function: used by the
 * construct, the tests (executed locally with aws-local-stepfunctions) and the local runner.
 *
 * No partition waits on another: a Map over the partitions (all at once) runs, per partition, its own loop
 * of polls — invoke the poller Lambda (Retry on retriable errors) → again at once when the poll stopped at
 * its record or time limit with records left, else after a Wait of `seconds_wait` — until the partition has
 * had `iterations` polls or the execution's time budget (`budget_seconds` from the execution's start) is
 * spent. Each poll's read also stops at that budget, so an execution ends within the schedule's minute. A
 * failed poll (an error after its retries, or a 503 answer: records found, none delivered) ends that
 * partition's loop only; the others go on, and the result check then fails the execution naming every failed
 * partition. `partitions: "auto"` discovers the partitions with a first Lambda call `{type: 'describe'}`;
 * the partition count is checked against `max_partitions` (fallback-poller/poller-limits.ts: the 40 concurrent
 * iterations of an inline Map and the execution history limit) before the Map.
 */

import { EXECUTION_BUDGET_SECONDS, maxPartitionsPerExecution, TASK_RETRY_ATTEMPTS } from './poller-limits.js';

/** Input of an execution (the original poller's shape plus the time budget; the schedule sends it every minute). */
export interface PollerExecutionInput {
  /** `[1..n]`: n is the most polls of one partition per execution. */
  readonly iterations: readonly number[];
  readonly partitions: readonly number[] | 'auto';
  /** Wait between two polls of a partition that was caught up (no wait while it has records left). */
  readonly seconds_wait: number;
  readonly lambda_name: string;
  /** Seconds from the execution's start after which no partition is polled again and reads stop. */
  readonly budget_seconds: number;
  /** Most partitions one execution polls (more fail the execution before any poll). */
  readonly max_partitions: number;
}

/** Options of {@link buildPollerDefinition}. */
export interface PollerDefinitionOptions {
  /** Function to invoke; when absent the definition uses `$.lambda_name` from the input. */
  readonly functionArn?: string;
  /** Source name added to each payload when one function serves several sources. */
  readonly sourceName?: string;
  /** Retries of a task on retriable errors (default 2). */
  readonly retryAttempts?: number;
  /** First retry interval in seconds (default 2, doubling). */
  readonly retryIntervalSeconds?: number;
  /** Task timeout in seconds (default 900: the Lambda's own timeout ends it first). */
  readonly taskTimeoutSeconds?: number;
}

/** State names (tests and the local runner override the task states by name). */
export const POLLER_STATES = {
  checkPartitions: 'check_partitions',
  discoverPartitions: 'discover_partitions',
  useDiscovered: 'use_discovered_partitions',
  countPartitions: 'count_partitions',
  checkPartitionCount: 'check_partition_count',
  tooManyPartitions: 'too_many_partitions',
  partitionLoops: 'partition_loops',
  startLoop: 'start_partition_loop',
  executeLambda: 'execute_lambda_kafka',
  checkStatus: 'check_lambda_status',
  nextPoll: 'next_poll',
  waitForNextPoll: 'wait_for_next_poll',
  advance: 'advance_poll',
  partitionDone: 'partition_done',
  failureLambda: 'failure_lambda',
  failedStatus: 'failed_status',
  passResults: 'pass_results',
  checkResults: 'check_results',
  done: 'done',
  error: 'error',
} as const;

/** Errors a task retries: the poller's RetriableError and the Lambda service's transient errors. */
export const RETRIABLE_TASK_ERRORS = [
  'RetriableError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

const S = POLLER_STATES;

/** What every Lambda task state of the definition shares. */
interface TaskParts {
  /** `FunctionName` (fixed) or `FunctionName.$` (from the input). */
  readonly functionName: Record<string, string>;
  readonly retry: Record<string, unknown>[];
  /** `{source}` added to each payload, or nothing. */
  readonly source: Record<string, string>;
  readonly timeoutSeconds: number;
}

function taskParts(options: PollerDefinitionOptions): TaskParts {
  return {
    functionName: options.functionArn
      ? { FunctionName: options.functionArn }
      : { 'FunctionName.$': '$.lambda_name' },
    retry: [
      {
        ErrorEquals: [...RETRIABLE_TASK_ERRORS],
        IntervalSeconds: options.retryIntervalSeconds ?? 2,
        MaxAttempts: options.retryAttempts ?? TASK_RETRY_ATTEMPTS,
        BackoffRate: 2,
      },
    ],
    source: options.sourceName ? { source: options.sourceName } : {},
    timeoutSeconds: options.taskTimeoutSeconds ?? 900,
  };
}

/** The fields every state of a partition's loop carries (its input, the loop counters in `$.loop`). */
const LOOP_FIELDS = {
  'partition.$': '$.partition',
  'lambda_name.$': '$.lambda_name',
  'seconds_wait.$': '$.seconds_wait',
  'budget_seconds.$': '$.budget_seconds',
  'max_polls.$': '$.max_polls',
  'execution_start.$': '$.execution_start',
} as const;

/**
 * Builds the ASL definition (a plain JSON object): partition discovery and count check, a Map over the
 * partitions each running its own loop of polls, the result check.
 *
 * @example JSON.stringify(buildPollerDefinition({ functionArn: fn.functionArn }))
 */
export function buildPollerDefinition(options: PollerDefinitionOptions = {}): Record<string, unknown> {
  const task = taskParts(options);
  return {
    Comment: `Kafka fallback poller${options.sourceName ? ` for ${options.sourceName}` : ''}: a loop of polls per partition`,
    StartAt: S.checkPartitions,
    States: {
      ...discoveryStates(task),
      [S.partitionLoops]: {
        Type: 'Map',
        ItemsPath: '$.partitions',
        // All partitions at once (up to the 40 concurrent iterations of an inline Map; max_partitions keeps
        // the count within it), so no partition's loop waits for a free slot.
        MaxConcurrency: 0,
        ItemSelector: {
          'partition.$': '$$.Map.Item.Value',
          'lambda_name.$': '$.lambda_name',
          'seconds_wait.$': '$.seconds_wait',
          'budget_seconds.$': '$.budget_seconds',
          'max_polls.$': 'States.ArrayLength($.iterations)',
          'execution_start.$': '$$.Execution.StartTime',
        },
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...partitionLoopStates(task) },
        ResultPath: '$',
        Next: S.passResults,
      },
      ...resultStates(),
    },
  };
}

/**
 * `partitions: "auto"`: a `{type: 'describe'}` call lists the partitions; then, either way, more partitions
 * than `max_partitions` fail the execution before any poll.
 */
function discoveryStates(task: TaskParts): Record<string, unknown> {
  return {
    [S.checkPartitions]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.partitions', IsString: true, Next: S.discoverPartitions }],
      Default: S.countPartitions,
    },
    [S.discoverPartitions]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { ...task.functionName, Payload: { type: 'describe', ...task.source } },
      ResultSelector: { 'partitions.$': '$.Payload.partitions' },
      ResultPath: '$.discovered',
      TimeoutSeconds: task.timeoutSeconds,
      Retry: task.retry,
      Next: S.useDiscovered,
    },
    [S.useDiscovered]: {
      Type: 'Pass',
      Parameters: {
        'iterations.$': '$.iterations',
        'partitions.$': '$.discovered.partitions',
        'seconds_wait.$': '$.seconds_wait',
        'lambda_name.$': '$.lambda_name',
        'budget_seconds.$': '$.budget_seconds',
        'max_partitions.$': '$.max_partitions',
      },
      Next: S.countPartitions,
    },
    [S.countPartitions]: {
      Type: 'Pass',
      Parameters: { 'count.$': 'States.ArrayLength($.partitions)' },
      ResultPath: '$.partition_count',
      Next: S.checkPartitionCount,
    },
    [S.checkPartitionCount]: {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.partition_count.count',
          NumericGreaterThanPath: '$.max_partitions',
          Next: S.tooManyPartitions,
        },
      ],
      Default: S.partitionLoops,
    },
    [S.tooManyPartitions]: {
      Type: 'Fail',
      Error: 'PollerTooManyPartitions',
      Cause:
        'The topic has more partitions than one poller execution may poll (the execution input max_partitions: 40 concurrent inline Map iterations, 25,000 execution history events); split the partitions over several sources (poller.partitions) or lower poller.iterations',
    },
  };
}

/**
 * One partition's loop: poll, then poll again at once (records left), after the Wait (caught up), or stop
 * (`iterations` polls done, time budget spent). A failed poll ends the loop as "Task Failed: …".
 */
function partitionLoopStates(task: TaskParts): Record<string, unknown> {
  const loopOutput = (verdict: string) =>
    `States.Format('Task ${verdict}: partition {} poll {}: status {}', $.partition, $.loop.poll, $.result.statusCode)`;
  return {
    StartAt: S.startLoop,
    States: {
      [S.startLoop]: {
        Type: 'Pass',
        Parameters: { poll: 1 },
        ResultPath: '$.loop',
        Next: S.executeLambda,
      },
      [S.executeLambda]: pollTaskState(task),
      [S.checkStatus]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.result.statusCode', NumericEquals: 503, Next: S.failedStatus }],
        Default: S.nextPoll,
      },
      [S.nextPoll]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.loop.poll', NumericGreaterThanEqualsPath: '$.max_polls', Next: S.partitionDone },
          { Variable: '$.result.budgetLeftSeconds', NumericLessThanEquals: 0, Next: S.partitionDone },
          { Variable: '$.result.moreRecords', BooleanEquals: true, Next: S.advance },
          {
            Variable: '$.result.budgetLeftSeconds',
            NumericLessThanEqualsPath: '$.seconds_wait',
            Next: S.partitionDone,
          },
        ],
        Default: S.waitForNextPoll,
      },
      [S.waitForNextPoll]: { Type: 'Wait', SecondsPath: '$.seconds_wait', Next: S.advance },
      [S.advance]: {
        Type: 'Pass',
        Parameters: { ...LOOP_FIELDS, loop: { 'poll.$': 'States.MathAdd($.loop.poll, 1)' } },
        Next: S.executeLambda,
      },
      [S.partitionDone]: {
        Type: 'Pass',
        Parameters: { 'Passed.$': loopOutput('Succeeded') },
        OutputPath: '$.Passed',
        End: true,
      },
      // A task that failed (after its retries) ends the loop with the error's cause, a 503 answer with the
      // poll's own cause (its `detail`); the execution's result then names it.
      [S.failureLambda]: {
        Type: 'Pass',
        Parameters: {
          'Failed.$':
            "States.Format('Task Failed: partition {} poll {}: {}', $.partition, $.loop.poll, $.Error.Cause)",
        },
        OutputPath: '$.Failed',
        End: true,
      },
      [S.failedStatus]: {
        Type: 'Pass',
        Parameters: {
          'Failed.$':
            "States.Format('Task Failed: partition {} poll {}: {}', $.partition, $.loop.poll, $.result.detail)",
        },
        OutputPath: '$.Failed',
        End: true,
      },
    },
  };
}

/** The Lambda task of one poll: the partition, the poll number and the execution's time budget. */
function pollTaskState(task: TaskParts): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      ...task.functionName,
      Payload: {
        'kafka_partition.$': '$.partition',
        'iteration.$': '$.loop.poll',
        'execution_start.$': '$.execution_start',
        'budget_seconds.$': '$.budget_seconds',
        ...task.source,
      },
    },
    ResultSelector: {
      'statusCode.$': '$.Payload.statusCode',
      'message.$': '$.Payload.message',
      'counts.$': '$.Payload.counts',
      // The cause of a 206/503, so the execution history shows it (every poll response has `detail`).
      'detail.$': '$.Payload.detail',
      'moreRecords.$': '$.Payload.moreRecords',
      'budgetLeftSeconds.$': '$.Payload.budgetLeftSeconds',
    },
    ResultPath: '$.result',
    TimeoutSeconds: task.timeoutSeconds,
    Retry: task.retry,
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.Error', Next: S.failureLambda }],
    Next: S.checkStatus,
  };
}

/** After the loops: any "Task Failed" in the results fails the execution. */
function resultStates(): Record<string, unknown> {
  return {
    [S.passResults]: {
      Type: 'Pass',
      Parameters: { 'output.$': 'States.JsonToString($)' },
      Next: S.checkResults,
    },
    [S.checkResults]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.output', StringMatches: '*Task Failed*', Next: S.error }],
      Default: S.done,
    },
    [S.done]: { Type: 'Succeed' },
    // The cause is the loops' results: each failed one reads "Task Failed: partition <p> poll <n>: <cause>".
    [S.error]: { Type: 'Fail', Error: 'PollerIterationFailed', CausePath: '$.output' },
  };
}

/**
 * The schedule's input: `{iterations: [1..n], partitions, seconds_wait, lambda_name, budget_seconds,
 * max_partitions}` (the budget and the partition cap from fallback-poller/poller-limits.ts unless given).
 *
 * @example scheduleInput({ iterations: 4, partitions: [0, 1, 2], secondsWait: 5, lambdaName: 'poller' })
 */
export function scheduleInput(opts: {
  iterations: number;
  partitions: readonly number[] | 'auto';
  secondsWait: number;
  lambdaName: string;
  budgetSeconds?: number;
}): PollerExecutionInput {
  return {
    iterations: Array.from({ length: opts.iterations }, (_, i) => i + 1),
    partitions: opts.partitions,
    seconds_wait: opts.secondsWait,
    lambda_name: opts.lambdaName,
    budget_seconds: opts.budgetSeconds ?? EXECUTION_BUDGET_SECONDS,
    max_partitions: maxPartitionsPerExecution(opts.iterations),
  };
}
