/**
 * The poller's Step Functions definition (Amazon States Language), as a pure function: used by the
 * construct, the tests (executed locally with aws-local-stepfunctions) and the local runner.
 *
 * The original poller design: Map over `iterations` (MaxConcurrency 1) → Map over `partitions`
 * (parallel) → Lambda invoke per partition (Retry on retriable errors, Catch) → Wait `seconds_wait` → a
 * result check that fails the execution when any task failed. Additions: `partitions: "auto"` discovers partitions
 * with a first Lambda call `{type: 'describe'}`; a 503 answer (records found, none delivered) counts as
 * a failed task.
 */

/** Input of an execution (the original poller's shape; the schedule sends it every minute). */
export interface PollerExecutionInput {
  readonly iterations: readonly number[];
  readonly partitions: readonly number[] | 'auto';
  readonly seconds_wait: number;
  readonly lambda_name: string;
}

/** Options of {@link buildPollerDefinition}. */
export interface PollerDefinitionOptions {
  /** Function to invoke; when absent the definition uses `$.lambda_name` from the input. */
  readonly functionArn?: string;
  /** Source name added to each payload when one function serves several sources. */
  readonly sourceName?: string;
  /** Parallel partition invocations (0 = all at once). */
  readonly maxPartitionConcurrency?: number;
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
  loopMapping: 'loop_mapping',
  getParameters: 'get_parameters',
  parallelProcessing: 'parallel_lambda_processing',
  getPartition: 'get_partition',
  executeLambda: 'execute_lambda_kafka',
  checkStatus: 'check_lambda_status',
  successLambda: 'success_lambda',
  failureLambda: 'failure_lambda',
  failedStatus: 'failed_status',
  waitForNewExecution: 'wait_for_new_execution',
  success: 'success',
  failure: 'failure',
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
        MaxAttempts: options.retryAttempts ?? 2,
        BackoffRate: 2,
      },
    ],
    source: options.sourceName ? { source: options.sourceName } : {},
    timeoutSeconds: options.taskTimeoutSeconds ?? 900,
  };
}

/**
 * Builds the ASL definition (a plain JSON object): partition discovery, the iterations map, the result
 * check.
 *
 * @example JSON.stringify(buildPollerDefinition({ functionArn: fn.functionArn }))
 */
export function buildPollerDefinition(options: PollerDefinitionOptions = {}): Record<string, unknown> {
  const task = taskParts(options);
  return {
    Comment: `Kafka fallback poller${options.sourceName ? ` for ${options.sourceName}` : ''}: iterations x partitions`,
    StartAt: S.checkPartitions,
    States: {
      ...discoveryStates(task),
      [S.loopMapping]: {
        Type: 'Map',
        InputPath: '$',
        ItemsPath: '$.iterations',
        MaxConcurrency: 1,
        Parameters: {
          'seconds_wait.$': '$.seconds_wait',
          'partitions.$': '$.partitions',
          'lambda_name.$': '$.lambda_name',
          'iteration.$': '$$.Map.Item.Value',
        },
        Iterator: iterationStates(task, options.maxPartitionConcurrency ?? 0),
        ResultPath: '$',
        Next: S.passResults,
      },
      ...resultStates(),
    },
  };
}

/** `partitions: "auto"`: a `{type: 'describe'}` call lists the partitions before the iterations. */
function discoveryStates(task: TaskParts): Record<string, unknown> {
  return {
    [S.checkPartitions]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.partitions', IsString: true, Next: S.discoverPartitions }],
      Default: S.loopMapping,
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
      },
      Next: S.loopMapping,
    },
  };
}

/** One iteration: every partition in parallel, then the wait; a failed partition fails the iteration. */
function iterationStates(task: TaskParts, maxPartitionConcurrency: number): Record<string, unknown> {
  return {
    StartAt: S.getParameters,
    States: {
      [S.getParameters]: {
        Type: 'Pass',
        Parameters: {
          'seconds_wait.$': '$.seconds_wait',
          'partitions.$': '$.partitions',
          'lambda_name.$': '$.lambda_name',
          'iteration.$': '$.iteration',
        },
        Next: S.parallelProcessing,
      },
      [S.parallelProcessing]: {
        Type: 'Map',
        InputPath: '$',
        ItemsPath: '$.partitions',
        MaxConcurrency: maxPartitionConcurrency,
        Parameters: {
          'partition.$': '$$.Map.Item.Value',
          'lambda_name.$': '$.lambda_name',
          'iteration.$': '$.iteration',
        },
        Iterator: partitionStates(task),
        ResultPath: null,
        Next: S.waitForNewExecution,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.Error', Next: S.failure }],
      },
      [S.waitForNewExecution]: { Type: 'Wait', SecondsPath: '$.seconds_wait', Next: S.success },
      [S.success]: {
        Type: 'Pass',
        Parameters: { 'Passed.$': "States.Format('Task Succeed: iteration {}', $.iteration)" },
        OutputPath: '$.Passed',
        End: true,
      },
      [S.failure]: {
        Type: 'Pass',
        Parameters: {
          'Error.$': "States.Format('Task Failed: iteration {}: {}', $.iteration, $.Error.Cause)",
        },
        OutputPath: '$.Error',
        End: true,
      },
    },
  };
}

/** One partition: invoke the poller (Retry, Catch); a 503 answer (records found, none delivered) fails. */
function partitionStates(task: TaskParts): Record<string, unknown> {
  return {
    StartAt: S.getPartition,
    States: {
      [S.getPartition]: {
        Type: 'Pass',
        Parameters: {
          'partition.$': '$.partition',
          'lambda_name.$': '$.lambda_name',
          'iteration.$': '$.iteration',
        },
        Next: S.executeLambda,
      },
      [S.executeLambda]: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          ...task.functionName,
          Payload: { 'kafka_partition.$': '$.partition', 'iteration.$': '$.iteration', ...task.source },
        },
        ResultSelector: {
          'statusCode.$': '$.Payload.statusCode',
          'message.$': '$.Payload.message',
          'counts.$': '$.Payload.counts',
          // The cause of a 206/503, so the execution history shows it (every poll response has `detail`).
          'detail.$': '$.Payload.detail',
        },
        ResultPath: '$.result',
        TimeoutSeconds: task.timeoutSeconds,
        Retry: task.retry,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.Error', Next: S.failureLambda }],
        Next: S.checkStatus,
      },
      [S.checkStatus]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.result.statusCode', NumericEquals: 503, Next: S.failedStatus }],
        Default: S.successLambda,
      },
      [S.successLambda]: {
        Type: 'Pass',
        Parameters: {
          'Passed.$':
            "States.Format('Task Succeeded: partition {} status {}', $.partition, $.result.statusCode)",
        },
        OutputPath: '$.Passed',
        End: true,
      },
      // A task that failed (after its retries) fails with the error's cause, a 503 answer with the poll's
      // own cause (its `detail`); the iteration's result then names it.
      [S.failureLambda]: { Type: 'Fail', CausePath: '$.Error.Cause', Error: 'Lambda Error' },
      [S.failedStatus]: { Type: 'Fail', CausePath: '$.result.detail', Error: 'Lambda Error' },
    },
  };
}

/** After the iterations: any "Task Failed" in the results fails the execution. */
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
    // The cause is the iterations' results: each failed one reads "Task Failed: iteration <n>: <cause>".
    [S.error]: { Type: 'Fail', Error: 'PollerIterationFailed', CausePath: '$.output' },
  };
}

/**
 * The schedule's input (the original poller's shape): `{iterations: [1..n], partitions, seconds_wait, lambda_name}`.
 *
 * @example scheduleInput({ iterations: 4, partitions: [0, 1, 2], secondsWait: 5, lambdaName: 'poller' })
 */
export function scheduleInput(opts: {
  iterations: number;
  partitions: readonly number[] | 'auto';
  secondsWait: number;
  lambdaName: string;
}): PollerExecutionInput {
  return {
    iterations: Array.from({ length: opts.iterations }, (_, i) => i + 1),
    partitions: opts.partitions,
    seconds_wait: opts.secondsWait,
    lambda_name: opts.lambdaName,
  };
}
