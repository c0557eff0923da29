import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { kafkaVersions } from './devkit/testbed/install-paths.js';

/**
 * Projects: `unit` (pure functions, no services), `infra` (CDK synth, Template assertions, cdk-nag,
 * cfn-lint) and `integration` (real Kafka broker + moto, started once by the global setup) on the default
 * broker version (the first of devkit/testbed/kafka-versions.txt), plus one `integration-kafka-<version>`
 * project per other listed version, which runs the broker-facing files against that broker.
 */
// The AWS SDK warns on Node 20 about releases after January 2027 needing Node 22; the tests run on the
// machine's Node 20 on purpose (the Lambdas deploy on nodejs22.x), so the notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The files that exercise the broker's protocol (produce/fetch/offsets/groups, every listener and SASL
 * mechanism, the poller, `check`, the re-read by offset, Kafka's own group tool). The rest of the
 * integration suite (moto-only CLI paths, the watchdog, `npm start`) does not depend on the broker version.
 */
const BROKER_FACING = [
  'test/integration/testbed-kafka.test.ts',
  'test/integration/partition-reader.test.ts',
  'test/integration/poller-drain.test.ts',
  'test/integration/msk-iam.test.ts',
  'test/integration/cli-check.test.ts',
  'test/integration/cli-dlq-from-kafka.test.ts',
  'test/integration/consumer-group-command.test.ts',
  'test/integration/poller-offsets.test.ts',
  'test/integration/local-pipe-runner.test.ts',
];

const integration = (name: string, include: string[], env: Record<string, string>) =>
  ({
    test: {
      name,
      include,
      env,
      globalSetup: ['test/harness/global-setup.ts'],
      testTimeout: 180_000,
      hookTimeout: 240_000,
    },
  }) satisfies TestProjectInlineConfiguration;

const [defaultVersion, ...otherVersions] = kafkaVersions();

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      integration('integration', ['test/integration/**/*.test.ts'], {
        KAFKA_PIPES_BROKER_VERSION: process.env.KAFKA_PIPES_BROKER_VERSION ?? (defaultVersion as string),
      }),
      ...otherVersions.map((version) =>
        integration(`integration-kafka-${version}`, BROKER_FACING, { KAFKA_PIPES_BROKER_VERSION: version }),
      ),
    ],
  },
});
