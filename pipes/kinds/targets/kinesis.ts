/** Target type `kinesis`: the Pipe puts the enrichment's output into a Kinesis data stream. */
import { z } from 'zod';
import type { TargetKind } from '../types.js';
import { streamFields } from './stream-fields.js';

/** The `target` block of a Kinesis target. */
export const kinesisTargetSchema = z.strictObject({ type: z.literal('kinesis'), ...streamFields });

/** Kinesis Data Streams. */
export const kinesisTarget: TargetKind<'kinesis', typeof kinesisTargetSchema> = {
  type: 'kinesis',
  schema: kinesisTargetSchema,
  replay: { destination: 'stream', sinkQueue: false },
  rules: [],
};
