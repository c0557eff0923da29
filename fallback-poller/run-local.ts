/**
 * Runs the poller state machine definition locally with aws-local-stepfunctions (tests, the local
 * runner). aws-local-stepfunctions 3 declares Node ≥ 22; on Node 20 the only missing built-in it uses is
 * `Promise.withResolvers`, polyfilled here. Never bundled into a Lambda.
 */
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { POLLER_STATES } from './state-machine.js';

/** Installs `Promise.withResolvers` (ES2024) when the runtime lacks it (Node 20). */
export function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/** A local stand-in for `lambda:invoke`: receives the Payload, returns the function's response or throws. */
export type LocalInvoke = (payload: unknown) => Promise<unknown>;

/** Outcome of a local execution. */
export type LocalExecutionResult =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'ABORTED' }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string };

/**
 * Executes `definition` with `input`, binding both Lambda task states to `invoke`; Wait states last
 * `waitMs` and retries pause `retryMs` (defaults 0) so tests stay fast. `signal` aborts the execution
 * (no further state runs; a task in flight is not awaited).
 */
export async function runPollerDefinitionLocally(
  definition: Record<string, unknown>,
  input: unknown,
  invoke: LocalInvoke,
  options: { waitMs?: number; retryMs?: number; signal?: AbortSignal } = {},
): Promise<LocalExecutionResult> {
  installPromiseWithResolvers();
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const task = async (parameters: unknown): Promise<never> => {
    const payload = (parameters as { Payload: unknown }).Payload;
    return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: await invoke(payload) } as never;
  };
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: {
        [POLLER_STATES.executeLambda]: task,
        [POLLER_STATES.discoverPartitions]: task,
      },
      waitTimeOverrides: { [POLLER_STATES.waitForNextPoll]: options.waitMs ?? 0 },
      retryIntervalOverrides: {
        [POLLER_STATES.executeLambda]: options.retryMs ?? 0,
        [POLLER_STATES.discoverPartitions]: options.retryMs ?? 0,
      },
    },
  });
  const { signal } = options;
  if (signal?.aborted) execution.abort();
  signal?.addEventListener('abort', () => execution.abort(), { once: true });
  try {
    const output = await execution.result;
    return signal?.aborted ? { status: 'ABORTED' } : { status: 'SUCCEEDED', output };
  } catch (error) {
    if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    if (error instanceof ExecutionError) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      return { status: 'FAILED', error: cause?.name ?? error.name, cause: cause?.message ?? error.message };
    }
    throw error;
  }
}
