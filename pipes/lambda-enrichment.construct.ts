/**
 * `LambdaEnrichment`: a synchronous Lambda enrichment step for a Pipe (implements the alpha `IEnrichment`;
 * there is no enrichments-alpha package at this version).
 */
import type { EnrichmentParametersConfig, IEnrichment, IPipe } from '@aws-cdk/aws-pipes-alpha';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/** Options of a {@link LambdaEnrichment}. */
export interface LambdaEnrichmentProps {
  /** Input template applied before the enrichment is invoked. Default: the batch as is. */
  readonly inputTemplate?: string;
}

/**
 * Invokes a Lambda function synchronously with each batch; its response (≤ 6 MB) goes to the target.
 * `grantInvoke` grants `lambda:InvokeFunction` on the unqualified function ARN only (what Pipes calls).
 */
export class LambdaEnrichment implements IEnrichment {
  /** ARN of the enrichment function. */
  readonly enrichmentArn: string;

  /**
   * @param fn the enrichment function.
   * @param props optional input template.
   */
  constructor(
    private readonly fn: IFunction,
    private readonly props: LambdaEnrichmentProps = {},
  ) {
    this.enrichmentArn = fn.functionArn;
  }

  /** Lets the Pipe role invoke the function (unqualified ARN, no version wildcard). */
  grantInvoke(grantee: IRole): void {
    grantee.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InvokeEnrichment',
        actions: ['lambda:InvokeFunction'],
        resources: [this.fn.functionArn],
      }),
    );
  }

  /** Enrichment parameters (input template if any). */
  bind(_pipe: IPipe): EnrichmentParametersConfig {
    return {
      enrichmentParameters: this.props.inputTemplate ? { inputTemplate: this.props.inputTemplate } : {},
    };
  }
}
