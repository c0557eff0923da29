/**
 * The Step Functions limits the poller's state machine (fallback-poller/state-machine.ts) lives within, as
 * data, and the service rules that check a source's `poller` block against them before deployment:
 * - an inline Map state runs at most 40 iterations at once, and its iterations' events count in the parent
 *   execution's history
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html);
 * - an execution's history holds at most 25,000 events, and input/output payloads at most 256 KiB
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 * Pure: imported by the state machine builder, the source loader's service rules and the tests.
 */

import { ruleIssue } from '../pipes/kinds/rule-helpers.js';
import type { ServiceRule } from '../pipes/kinds/types.js';
import type { SourceConfig } from '../pipes/source-schema.js';

/** Concurrent iterations of an inline Map state. */
export const INLINE_MAP_MAX_CONCURRENCY = 40;

/** Events one Standard workflow execution's history may hold. */
export const EXECUTION_HISTORY_EVENTS_MAX = 25_000;

/** The share of {@link EXECUTION_HISTORY_EVENTS_MAX} an execution may use at most (headroom for retries). */
export const EXECUTION_HISTORY_EVENTS_BUDGET = 20_000;

/**
 * Seconds after an execution's start at which its partitions' loops end and reads stop: the schedule starts
 * one execution a minute, and the last chunk's delivery and commit take a few seconds more.
 */
export const EXECUTION_BUDGET_SECONDS = 55;

/** Retries of a poll task on retriable errors (the definition's default). */
export const TASK_RETRY_ATTEMPTS = 2;

/**
 * History events of one poll in a partition's loop, with every retry used: the Task state (entered,
 * scheduled, started, succeeded, exited: 5), each retry's failed/scheduled/started (3 each), then the status
 * Choice, the next-poll Choice, the Wait and the advancing Pass (entered + exited: 2 each).
 */
export const EVENTS_PER_POLL = 5 + 3 * TASK_RETRY_ATTEMPTS + 4 * 2;

/** History events of one partition's loop besides its polls: the Map iteration started/succeeded, the first and last Pass. */
export const EVENTS_PER_PARTITION = 2 + 2 * 2;

/**
 * History events of an execution besides the partitions' loops: execution started/succeeded, the
 * discovery Choice, Task with retries and Pass, the count Pass and Choice, the Map state's entered/started/
 * succeeded/exited, the result Pass, Choice and Succeed state.
 */
export const EVENTS_PER_EXECUTION = 2 + 2 + (5 + 3 * TASK_RETRY_ATTEMPTS) + 2 + 2 * 2 + 4 + 3 * 2;

/**
 * Most history events one execution produces with `partitions` partitions polled at most `iterations` times
 * each, every task retried to the limit.
 *
 * @example executionHistoryEvents(3, 4) // 31 + 3 × (6 + 4 × 19) = 277
 */
export function executionHistoryEvents(partitions: number, iterations: number): number {
  return EVENTS_PER_EXECUTION + partitions * (EVENTS_PER_PARTITION + iterations * EVENTS_PER_POLL);
}

/**
 * Most partitions one execution polls with `iterations` polls each: all at once within an inline Map, and
 * the history within {@link EXECUTION_HISTORY_EVENTS_BUDGET}.
 *
 * @example maxPartitionsPerExecution(4) // 40
 */
export function maxPartitionsPerExecution(iterations: number): number {
  const byHistory = Math.floor(
    (EXECUTION_HISTORY_EVENTS_BUDGET - EVENTS_PER_EXECUTION) /
      (EVENTS_PER_PARTITION + iterations * EVENTS_PER_POLL),
  );
  return Math.min(INLINE_MAP_MAX_CONCURRENCY, byHistory);
}

/** A listed partition set larger than one execution polls (discovered ones are checked by the execution). */
const pollerPartitionsRule: ServiceRule = {
  id: 'poller-partitions-per-execution',
  doc: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html',
  check: (source: SourceConfig, context) => {
    const poller = source.engine === 'poller' ? source.poller : undefined;
    if (!poller || poller.partitions === 'auto') return [];
    const max = maxPartitionsPerExecution(poller.iterations);
    if (poller.partitions.length <= max) return [];
    return [
      ruleIssue(
        context,
        'poller.partitions',
        `${poller.partitions.length} partitions are more than one poller execution polls with ${poller.iterations} iterations (${max}: an inline Map runs 40 iterations at once, and an execution's history holds 25,000 events, ${executionHistoryEvents(poller.partitions.length, poller.iterations)} here)`,
        `list at most ${max} partitions per source (split the topic's partitions over several sources with their own consumer groups), or lower poller.iterations`,
      ),
    ];
  },
};

/** Service rules of the poller engine. */
export const POLLER_RULES: readonly ServiceRule[] = [pollerPartitionsRule];
