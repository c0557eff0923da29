/**
 * The `registry` step of `check` with the Glue module's probe (GetRegistry) on a mocked Glue client: the
 * three failure kinds (missing, credentials, unreachable) each with its cause and a fix naming the file and
 * the field; a registry being deleted; and the step skipped for a source without a registry. The moto run
 * (registry present / absent through the real SDK client) is test/integration/cli-schema-registry.test.ts.
 */
import { GetRegistryCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type CheckStep, StepLog } from '../../../cli/check/engine.js';
import type { CheckPlan } from '../../../cli/check/plan.js';
import { registrySteps } from '../../../cli/check/registry-step.js';

const glue = mockClient(GlueClient);
afterEach(() => glue.reset());

function plan(registries: CheckPlan['registries']): CheckPlan {
  return {
    file: 'pipes/sources/avro.yaml',
    registries,
    registryDeps: { aws: { region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } } },
    stepTimeoutMs: 2_000,
  } as unknown as CheckPlan;
}

const GLUE = [{ field: 'value.registry', settings: { type: 'glue' as const, registryName: 'apic' } }];

async function run(p: CheckPlan): Promise<CheckStep[]> {
  const log = new StepLog(() => undefined);
  await registrySteps(p, log);
  return log.steps;
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

describe('check: registry step', () => {
  it('passes when the Glue registry exists', async () => {
    glue.on(GetRegistryCommand, { RegistryId: { RegistryName: 'apic' } }).resolves({
      RegistryArn: 'arn:aws:glue:eu-west-1:123456789012:registry/apic',
      Status: 'AVAILABLE',
    });
    const [step] = await run(plan(GLUE));
    expect(step).toMatchObject({
      step: 'registry',
      target: 'value.registry',
      status: 'pass',
      message:
        'Glue registry apic exists in eu-west-1 (arn:aws:glue:eu-west-1:123456789012:registry/apic, AVAILABLE)',
    });
  });

  it.each([
    [
      awsError('EntityNotFoundException', 'Registry not found'),
      'missing',
      'no Glue registry named apic in this account and Region',
      'set registryName (and region) to the registry the producers register their schemas in',
    ],
    [
      awsError('AccessDeniedException', 'not authorized to perform: glue:GetRegistry'),
      'credentials',
      'AWS refused the credentials, or they may not call glue:GetRegistry',
      'run check with credentials of the account that holds the registry, allowed glue:GetRegistry on it',
    ],
    [
      awsError('TimeoutError', 'connect ETIMEDOUT'),
      'unreachable',
      'the Glue endpoint of the Region did not answer',
      'check the Region (registry.region, AWS_REGION) and the network path to the Glue endpoint',
    ],
  ])('fails on %s as %s, naming the cause and the fix', async (error, failed, cause, fix) => {
    glue.on(GetRegistryCommand).rejects(error);
    const [step] = await run(plan(GLUE));
    expect(step).toEqual({
      step: 'registry',
      target: 'value.registry',
      status: 'fail',
      ms: expect.any(Number),
      message: `glue registry (value.registry): Glue GetRegistry apic: ${error.name}: ${error.message}`,
      cause,
      fix: `pipes/sources/avro.yaml: value.registry: ${fix}`,
      details: { failed },
    });
  });

  it('fails on a registry being deleted', async () => {
    glue.on(GetRegistryCommand).resolves({ Status: 'DELETING' });
    const [step] = await run(plan(GLUE));
    expect(step).toMatchObject({
      status: 'fail',
      message: 'glue registry (value.registry): Glue registry apic in eu-west-1 is DELETING',
      details: { failed: 'missing' },
    });
  });

  it('is not run, and not reported, without a registry', async () => {
    expect(await run(plan([]))).toEqual([]);
    expect(glue.calls()).toHaveLength(0);
  });
});
