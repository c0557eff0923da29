/**
 * The fallback poller's schedule (FallbackPoller construct): an EventBridge Scheduler schedule every minute,
 * alone in its schedule group (so the `AWS/Scheduler` metrics of the group are this poller's), with no
 * flexible window, disabled when the source is STOPPED. Its role may only start the state machine and send
 * to the schedule's dead-letter queue. A failed start is retried twice within the minute, then goes to that
 * queue (SSE-SQS, SSL-only, 14 days; alarmed in poller-alarms.ts); the next tick resumes from the committed
 * offsets.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { PollerConfig, SourceConfig } from '../pipes/source-schema.js';
import { scheduleInput } from './state-machine.js';

/** What the schedule starts and with which input. */
export interface PollerScheduleSpec {
  readonly source: SourceConfig;
  readonly poller: PollerConfig;
  readonly stateMachine: StateMachine;
  /** The poller function's name (the state machine input names it). */
  readonly functionName: string;
  /** Removal policy of the dead-letter queue. */
  readonly removalPolicy: RemovalPolicy;
}

/** The schedule, its group and its dead-letter queue. */
export interface PollerSchedule {
  readonly schedule: Schedule;
  readonly scheduleGroup: ScheduleGroup;
  readonly scheduleDlq: Queue;
}

/** Creates the schedule in `scope` (ids `ScheduleDlq`, `ScheduleGroup`, `ScheduleRole`, `Schedule`). */
export function createPollerSchedule(scope: Construct, spec: PollerScheduleSpec): PollerSchedule {
  const { source, poller } = spec;
  const scheduleDlq = new Queue(scope, 'ScheduleDlq', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: spec.removalPolicy,
  });
  const scheduleGroup = new ScheduleGroup(scope, 'ScheduleGroup', { removalPolicy: RemovalPolicy.DESTROY });
  const role = new Role(scope, 'ScheduleRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: `Fallback poller ${source.name} (schedule: starts the state machine)`,
  });
  const input = scheduleInput({
    iterations: poller.iterations,
    partitions: poller.partitions,
    secondsWait: poller.secondsWait,
    lambdaName: spec.functionName,
  });
  const schedule = new Schedule(scope, 'Schedule', {
    description: `Every minute: poll ${source.name} (a loop of polls per partition)`,
    schedule: ScheduleExpression.rate(Duration.minutes(1)),
    scheduleGroup,
    timeWindow: TimeWindow.off(),
    enabled: source.desiredState === 'RUNNING',
    target: new StepFunctionsStartExecution(spec.stateMachine, {
      role,
      input: ScheduleTargetInput.fromObject(input),
      retryAttempts: 2,
      maxEventAge: Duration.minutes(1),
      deadLetterQueue: scheduleDlq,
    }),
  });
  return { schedule, scheduleGroup, scheduleDlq };
}
