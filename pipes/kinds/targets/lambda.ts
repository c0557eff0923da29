/**
 * Target type `lambda`: the Pipe invokes the sink Lambda FIRE_AND_FORGET (asynchronously); the sink writes
 * the data-lake stream, and batches it cannot deliver after the async retries land in the target DLQ.
 */
import { z } from 'zod';
import { DEFAULTS, LIMITS } from '../../source-limits.js';
import type { TargetKind } from '../types.js';
import { streamFields } from './stream-fields.js';

/** The `target` block of a Lambda (FIRE_AND_FORGET sink) target. */
export const lambdaTargetSchema = z.strictObject({
  type: z.literal('lambda'),
  ...streamFields,
  retryAttempts: z
    .number()
    .int()
    .min(LIMITS.RETRY_ATTEMPTS_MIN)
    .max(LIMITS.RETRY_ATTEMPTS_MAX)
    .default(DEFAULTS.retryAttempts)
    .meta({ description: 'Async invoke retries before the DLQ (0-2).' }),
  maxEventAgeSeconds: z
    .number()
    .int()
    .min(LIMITS.MAX_EVENT_AGE_SECONDS_MIN)
    .max(LIMITS.MAX_EVENT_AGE_SECONDS_MAX)
    .default(DEFAULTS.maxEventAgeSeconds)
    .meta({ description: 'Max age of an async event before the DLQ (60-21600 s).' }),
});

/** FIRE_AND_FORGET sink Lambda. */
export const lambdaTarget: TargetKind<'lambda', typeof lambdaTargetSchema> = {
  type: 'lambda',
  schema: lambdaTargetSchema,
  replay: { destination: 'stream', sinkQueue: true },
  rules: [],
};
