/**
 * Least-privilege Pipe targets. The targets-alpha classes grant through `grantWrite`/`grantInvoke`, which
 * add wildcard actions (`kms:GenerateDataKey*`) and version wildcards (`fn:*`); these grant exact actions.
 */
import type { IPipe, ITarget, TargetConfig } from '@aws-cdk/aws-pipes-alpha';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/** Kinesis partition key path into the enrichment output (the canonical record's `partitionKey`). */
export const KINESIS_PARTITION_KEY_PATH = '$.partitionKey';

/** A Kinesis Data Streams target: `kinesis:PutRecord(s)` on the stream and `kms:GenerateDataKey` on its key. */
export class KinesisStreamTarget implements ITarget {
  /** Stream ARN. */
  readonly targetArn: string;

  /**
   * @param stream the target stream (KMS-encrypted).
   * @param partitionKey JSON path or static key; default `$.partitionKey`.
   */
  constructor(
    private readonly stream: IStream,
    private readonly partitionKey: string = KINESIS_PARTITION_KEY_PATH,
  ) {
    this.targetArn = stream.streamArn;
  }

  /** Grants exact write actions. */
  grantPush(grantee: IRole): void {
    grantee.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'PutToStream',
        actions: ['kinesis:PutRecord', 'kinesis:PutRecords'],
        resources: [this.stream.streamArn],
      }),
    );
    if (this.stream.encryptionKey) {
      grantee.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'EncryptForStream',
          actions: ['kms:GenerateDataKey'],
          resources: [this.stream.encryptionKey.keyArn],
        }),
      );
    }
  }

  /** Target parameters: the partition key path. */
  bind(_pipe: IPipe): TargetConfig {
    return { targetParameters: { kinesisStreamParameters: { partitionKey: this.partitionKey } } };
  }
}

/** A Lambda target invoked asynchronously (FIRE_AND_FORGET = Invoke with InvocationType Event). */
export class FireAndForgetLambdaTarget implements ITarget {
  /** Function ARN. */
  readonly targetArn: string;

  /** @param fn the sink function. */
  constructor(private readonly fn: IFunction) {
    this.targetArn = fn.functionArn;
  }

  /** Grants `lambda:InvokeFunction` on the unqualified function ARN. */
  grantPush(grantee: IRole): void {
    grantee.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InvokeSink',
        actions: ['lambda:InvokeFunction'],
        resources: [this.fn.functionArn],
      }),
    );
  }

  /** Target parameters: FIRE_AND_FORGET. */
  bind(_pipe: IPipe): TargetConfig {
    return { targetParameters: { lambdaFunctionParameters: { invocationType: 'FIRE_AND_FORGET' } } };
  }
}
