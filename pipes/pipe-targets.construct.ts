/**
 * The Pipe target of a target type, from its module's data (`pipes/kinds/targets/<type>.ts`): the target
 * parameters and exact grants. The targets-alpha classes grant through `grantWrite`/`grantInvoke`, which add
 * wildcard actions (`kms:GenerateDataKey*`) and version wildcards (`fn:*`); this grants exact actions.
 */
import type { IPipe, ITarget, TargetConfig } from '@aws-cdk/aws-pipes-alpha';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { toPolicyStatement } from './grant-statement.construct.js';
import type { TargetKind } from './kinds/types.js';

export { KINESIS_PARTITION_KEY_PATH } from './kinds/targets/kinesis.js';

/** A Pipe target: the resource's ARN (and its KMS key), with the parameters and grants of its type. */
export class KindPipeTarget implements ITarget {
  /**
   * @param kind the target type's module.
   * @param targetArn the stream / function the Pipe writes to.
   * @param keyArn the KMS key encrypting it, when the Pipe role must use it.
   */
  constructor(
    private readonly kind: TargetKind,
    readonly targetArn: string,
    private readonly keyArn?: string,
  ) {}

  /** Grants the type's exact actions on the target. */
  grantPush(grantee: IRole): void {
    const target = { arn: this.targetArn, ...(this.keyArn ? { keyArn: this.keyArn } : {}) };
    for (const grant of this.kind.pipeTarget.grants(target)) {
      grantee.addToPrincipalPolicy(toPolicyStatement(grant));
    }
  }

  /** The type's target parameters. */
  bind(_pipe: IPipe): TargetConfig {
    return { targetParameters: this.kind.pipeTarget.parameters };
  }
}
