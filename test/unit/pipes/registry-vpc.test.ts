/**
 * A registry reachable only inside a VPC (enrichment/formats/registry-vpc.ts): the `vpc` setting of a
 * Confluent registry block, its service rules (exact messages) and the placement the constructs give the
 * decoding Lambda (pipes/record-formats.ts registryVpcOf).
 */
import { describe, expect, it } from 'vitest';
import { validateSourceTexts } from '../../../pipes/load-sources.js';
import { recordFormatsEnv, registryVpcOf } from '../../../pipes/record-formats.js';

const FILE = 'pipes/sources/private-registry.yaml';
const SMK = `name: private-registry
kind: self-managed
brokers: [b:9092]
topic: apic-events
target: { type: kinesis }
vpc: { subnetIds: [subnet-0a1b2c3d, subnet-0b2c3d4e], securityGroupIds: [sg-0c3d4e5f] }
`;
const MSK = `name: private-registry
kind: msk
clusterArn: arn:aws:kafka:eu-west-1:123456789012:cluster/c/abcd-1234
auth: { type: iam }
topic: apic-events
target: { type: kinesis }
`;
const URL = 'https://registry.internal.example.com:8081';
const OWN = '{ subnetIds: [subnet-0d4e5f60], securityGroupIds: [sg-0e5f6071] }';

function validate(text: string) {
  return validateSourceTexts([{ file: FILE, text }]);
}
const lines = (text: string) =>
  validate(text).issues.map((i) => `${i.file}: ${i.field}: ${i.message}. Fix: ${i.fix}`);

describe('registry vpc', () => {
  it('vpc: true places the decoding Lambda in the source vpc', () => {
    const result = validate(
      `${SMK}value:\n  format: json-schema\n  registry: { type: confluent, url: "${URL}", vpc: true }\n`,
    );
    expect(result.issues).toEqual([]);
    const source = result.sources[0]?.source;
    expect(source && registryVpcOf(source)).toEqual({
      subnetIds: ['subnet-0a1b2c3d', 'subnet-0b2c3d4e'],
      securityGroupIds: ['sg-0c3d4e5f'],
    });
    expect(source && recordFormatsEnv(source).VALUE_FORMAT).toBe('json-schema');
  });

  it('an MSK source gives the subnets; a registry without vpc places nothing', () => {
    const own = validate(
      `${MSK}value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", vpc: ${OWN} }\n`,
    );
    expect(own.issues).toEqual([]);
    expect(own.sources[0] && registryVpcOf(own.sources[0].source)).toEqual({
      subnetIds: ['subnet-0d4e5f60'],
      securityGroupIds: ['sg-0e5f6071'],
    });
    const none = validate(`${SMK}value:\n  format: avro\n  registry: { type: confluent, url: "${URL}" }\n`);
    expect(none.sources[0] && registryVpcOf(none.sources[0].source)).toBeUndefined();
  });

  it.each([
    [
      'vpc: true without a source vpc',
      `${MSK}value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", vpc: true }\n`,
      [
        `${FILE}: value.registry.vpc: vpc: true places the decoding Lambda in the source's vpc, and this msk source has no vpc block; Lambda joins a VPC only through subnets and security groups. Fix: give them: vpc: {subnetIds: [subnet-…], securityGroupIds: [sg-…]} (subnets whose routes reach the registry)`,
      ],
    ],
    [
      'a value and a key registry in different subnets',
      `${SMK}value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", vpc: true }\nkey:\n  format: avro\n  registry: { type: confluent, url: "${URL}", vpc: ${OWN} }\n`,
      [
        `${FILE}: key.registry.vpc: The decoding Lambda joins one VPC (one VpcConfig), and key.registry.vpc asks for other subnets or security groups than value.registry.vpc. Fix: give key.registry.vpc the same subnets and security groups as value.registry.vpc`,
      ],
    ],
    [
      "a poller source whose registry is in other subnets than the source's",
      `${SMK}engine: poller\npoller: {}\nvalue:\n  format: avro\n  registry: { type: confluent, url: "${URL}", vpc: ${OWN} }\n`,
      [
        `${FILE}: value.registry.vpc: The decoding Lambda joins one VPC (one VpcConfig), and value.registry.vpc asks for other subnets or security groups than vpc. Fix: set vpc: true (the poller reads the brokers through the source's vpc) and let those subnets reach the registry`,
      ],
    ],
  ])('refuses %s', (_name, text, expected) => {
    expect(lines(text)).toEqual(expected);
  });

  it('refuses more than 16 subnets or 5 security groups, and ids that are not ids', () => {
    const subnets = Array.from({ length: 17 }, (_, i) => `subnet-${i.toString(16).padStart(8, '0')}`).join(
      ', ',
    );
    const groups = Array.from({ length: 6 }, (_, i) => `sg-${String(i).padStart(8, '0')}`).join(', ');
    const tooMany = lines(
      `${MSK}value:\n  format: avro\n  registry: { type: confluent, url: "${URL}", vpc: { subnetIds: [${subnets}], securityGroupIds: [${groups}] } }\n`,
    );
    expect(tooMany).toEqual([
      expect.stringMatching(
        /^pipes\/sources\/private-registry\.yaml: value\.registry\.vpc: Registry VPC does not match any allowed shape, received .*\. Fix: set vpc: true \(the source vpc\) or vpc: \{subnetIds: \[1-16 subnet ids\], securityGroupIds: \[1-5 security group ids\]\}$/,
      ),
    ]);
    expect(
      lines(
        `${MSK}key:\n  format: avro\n  registry: { type: confluent, url: "${URL}", vpc: { subnetIds: [subnet-0d4], securityGroupIds: [sg-0e5f6071] } }\n`,
      ),
    ).toEqual([
      `${FILE}: key.registry.vpc.subnetIds[0]: Subnet id has an invalid format, received "subnet-0d4". Fix: use a subnet id like subnet-0abc1234`,
    ]);
  });
});
