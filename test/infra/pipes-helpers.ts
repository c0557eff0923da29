/** Shared helpers of the pipes infra tests: in-process synth and template look-ups. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type BuildAppOptions, buildApp } from '../../infra/build-app.js';
import type { KafkaPipesStack } from '../../infra/pipes-stack.js';

/** A synthesized environment. */
export interface Synthesized {
  readonly stack: KafkaPipesStack;
  readonly template: Template;
  readonly outdir: string;
  readonly templatePath: string;
}

/** Builds and synthesizes one environment in a temp outdir, without bundling. */
export async function synthEnvironment(options: BuildAppOptions = {}): Promise<Synthesized> {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'kafka-pipes-cdk-'));
  const { app, stack } = await buildApp({
    bundle: false,
    previousOutdir: join(outdir, 'none'),
    ...options,
    outdir,
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return {
    stack,
    template: Template.fromJSON(artifact.template as Record<string, unknown>),
    outdir,
    templatePath: join(outdir, artifact.templateFile),
  };
}

/** Logical id of a construct's CloudFormation resource. */
export function logicalId(stack: KafkaPipesStack, construct: IConstruct): string {
  return stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/** `{Fn::GetAtt: [id, 'Arn']}` of a construct. */
export function arnOf(stack: KafkaPipesStack, construct: IConstruct): { 'Fn::GetAtt': [string, string] } {
  return { 'Fn::GetAtt': [logicalId(stack, construct), 'Arn'] };
}

/** Statements of the default policy attached to a role. */
export function policyStatements(template: Template, roleLogicalId: string): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: roleLogicalId }] },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
  );
}

/** Synthesizes with the cdk-nag packs: ok, or the validation report naming the unacknowledged findings. */
export async function nagReport(options: BuildAppOptions): Promise<{ ok: boolean; report: string }> {
  const result = await synthEnvironment({ ...options, nag: true }).then(
    () => ({ ok: true, message: '' }),
    (error: Error) => ({ ok: false, message: error.message }),
  );
  const outdir = /found in: (.*)validation-report\.json/.exec(result.message)?.[1];
  const report = outdir ? readFileSync(`${outdir}validation-report.json`, 'utf8') : result.message;
  return { ok: result.ok, report };
}
