/**
 * Places a Lambda function in subnets and security groups (the fallback poller in its source's VPC, a
 * decoding function in the VPC of a registry reachable only there), with the network-interface actions
 * Lambda needs to manage its ENIs (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html,
 * the actions of the AWSLambdaVPCAccessExecutionRole managed policy, which EC2 does not scope to
 * resources).
 */
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';

/** Subnets and security groups of a function. */
export interface LambdaVpc {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** The ENI actions of a function in a VPC (AWSLambdaVPCAccessExecutionRole). */
export const LAMBDA_VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** Sets the function's VpcConfig and grants its role the ENI actions. */
export function placeInVpc(fn: IFunction, role: IRole, vpc: LambdaVpc): void {
  const cfn = fn.node.defaultChild as CfnFunction;
  cfn.vpcConfig = { subnetIds: [...vpc.subnetIds], securityGroupIds: [...vpc.securityGroupIds] };
  role.addToPrincipalPolicy(
    new PolicyStatement({ sid: 'VpcNetworkInterfaces', actions: [...LAMBDA_VPC_ACTIONS], resources: ['*'] }),
  );
}
