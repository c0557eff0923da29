/**
 * A registry reachable only inside a VPC (a Confluent-API registry on EC2 next to the cluster): its
 * `vpc` setting places the function that decodes the source's records (the enrichment Lambda, or the
 * fallback poller) in subnets that reach it — `vpc: true` in the source's own `vpc` (self-managed
 * sources), or the subnets and security groups given. The AWS service rules of that placement live here;
 * the registry modules that offer the setting list them.
 */
import * as z from 'zod/mini';
import { ruleIssue } from '../../pipes/kinds/rule-helpers.js';
import type { ServiceRule } from '../../pipes/kinds/types.js';
import type { SourceConfig } from '../../pipes/source-schema.js';

/** EC2 subnet ids: `subnet-` and 8 or 17 hexadecimal digits (as CloudFormation's AWS::EC2::Subnet.Id). */
export const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** EC2 security group ids: `sg-` and 8 or 17 hexadecimal digits (AWS::EC2::SecurityGroup.Id). */
export const SECURITY_GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** Subnets and security groups of a Lambda function (Lambda VpcConfig: 1–16 subnets, 1–5 groups). */
export const vpcPlacement = z.strictObject({
  subnetIds: z
    .array(z.string().check(z.regex(SUBNET_ID, 'must be a subnet id like subnet-0abc1234')))
    .check(z.minLength(1), z.maxLength(16)),
  securityGroupIds: z
    .array(z.string().check(z.regex(SECURITY_GROUP_ID, 'must be a security group id like sg-0abc1234')))
    .check(z.minLength(1), z.maxLength(5)),
});

/** A registry's `vpc` setting: `true` (the source's `vpc`), or the subnets and security groups to join. */
export const registryVpcSetting = z.optional(z.union([z.literal(true), vpcPlacement]));

/** Subnets and security groups a function joins. */
export type VpcPlacement = z.infer<typeof vpcPlacement>;
/** A registry's `vpc` setting. */
export type RegistryVpc = true | VpcPlacement;

type Formats = Partial<Pick<SourceConfig, 'value' | 'key'>>;

/** One registry block of a source, with its field path (`value.registry`, `value.fallback`, `key.registry`). */
export interface RegistryBlock {
  readonly field: string;
  readonly settings: { readonly type: string; readonly vpc?: RegistryVpc };
}

/** The registry blocks of a source's value and key. */
export function registryBlocksOf(source: Formats): RegistryBlock[] {
  const out: RegistryBlock[] = [];
  if (source.value?.registry) out.push({ field: 'value.registry', settings: source.value.registry });
  const fallback = source.value?.fallback;
  if (fallback !== undefined && typeof fallback !== 'string') {
    out.push({ field: 'value.fallback', settings: fallback });
  }
  if (source.key?.registry) out.push({ field: 'key.registry', settings: source.key.registry });
  return out;
}

type Placed = Formats & Pick<SourceConfig, 'vpc' | 'engine'>;

/** The placement each registry block asks for (`vpc: true` resolved to the source's `vpc`). */
function placementsOf(source: Placed): { field: string; placement: VpcPlacement | undefined }[] {
  return registryBlocksOf(source)
    .filter((b) => b.settings.vpc !== undefined)
    .map((b) => ({
      field: `${b.field}.vpc`,
      placement: b.settings.vpc === true ? source.vpc : b.settings.vpc,
    }));
}

/**
 * The subnets and security groups the decoding function joins for the source's registries, if one asks
 * for a VPC (the rules below make them agree).
 */
export function registryVpcOf(source: Placed): VpcPlacement | undefined {
  return placementsOf(source).find((p) => p.placement !== undefined)?.placement;
}

const sameVpc = (a: VpcPlacement, b: VpcPlacement) =>
  [...a.subnetIds].sort().join() === [...b.subnetIds].sort().join() &&
  [...a.securityGroupIds].sort().join() === [...b.securityGroupIds].sort().join();

const VPC_PAGE = 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html';

/** Registry VPC placement rules (Lambda VpcConfig, https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html). */
export const registryVpcRules: readonly ServiceRule[] = [
  {
    // A function joins a VPC through subnets and security groups: `vpc: true` needs the source's.
    id: 'registry-vpc-subnets',
    doc: VPC_PAGE,
    check: (source, context) =>
      placementsOf(source)
        .filter((p) => p.placement === undefined)
        .map((p) =>
          ruleIssue(
            context,
            p.field,
            `vpc: true places the decoding Lambda in the source's vpc, and this ${source.kind} source has no vpc block; Lambda joins a VPC only through subnets and security groups`,
            'give them: vpc: {subnetIds: [subnet-…], securityGroupIds: [sg-…]} (subnets whose routes reach the registry)',
          ),
        ),
  },
  {
    // One VpcConfig per function: every registry, and the poller's own brokers, must agree on it.
    id: 'registry-vpc-one-vpc',
    doc: 'https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html',
    check: (source, context) => {
      const placed = placementsOf(source).flatMap((p) => (p.placement ? [{ ...p, vpc: p.placement }] : []));
      const first = source.engine === 'poller' && source.vpc ? { field: 'vpc', vpc: source.vpc } : placed[0];
      if (first === undefined) return [];
      return placed
        .filter((p) => !sameVpc(p.vpc, first.vpc))
        .map((p) =>
          ruleIssue(
            context,
            p.field,
            `The decoding Lambda joins one VPC (one VpcConfig), and ${p.field} asks for other subnets or security groups than ${first.field}`,
            first.field === 'vpc'
              ? "set vpc: true (the poller reads the brokers through the source's vpc) and let those subnets reach the registry"
              : `give ${p.field} the same subnets and security groups as ${first.field}`,
          ),
        );
    },
  },
];
