/** Turns a kind module's grant data into an IAM `PolicyStatement`. */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { GrantSpec } from './kinds/types.js';

/** The `PolicyStatement` of a grant. */
export function toPolicyStatement(grant: GrantSpec): PolicyStatement {
  return new PolicyStatement({
    sid: grant.sid,
    actions: [...grant.actions],
    resources: [...grant.resources],
    ...(grant.conditions ? { conditions: grant.conditions } : {}),
  });
}
