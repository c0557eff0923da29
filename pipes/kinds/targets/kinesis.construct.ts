/** The CDK side of the `kinesis` target: the Pipe writes the data-lake stream itself. */
import { KindPipeTarget } from '../../pipe-targets.construct.js';
import type { TargetConstruct } from '../targets.construct.js';
import { kinesisTarget } from './kinesis.js';

/** The stream (and its key) as the Pipe target. */
export const kinesisTargetConstruct: TargetConstruct = {
  kind: kinesisTarget,
  build: ({ stream, source }) => {
    if (!stream) throw new Error(`source ${source.name}: the kinesis target needs the data-lake stream`);
    return { target: new KindPipeTarget(kinesisTarget, stream.streamArn, stream.encryptionKey?.keyArn) };
  },
};
