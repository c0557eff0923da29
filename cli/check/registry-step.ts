/**
 * The `registry` step of `check`: for each schema registry the source reads (value, value fallback, key),
 * its module's probe (enrichment/formats/registries/: Glue `GetRegistry`, Confluent `GET /subjects` with
 * the source's credentials) — registry reachable, credentials accepted, registry present — bounded by the
 * step timeout. Skipped, with the reason, for a source without a registry.
 */
import { findRegistry } from '../../enrichment/formats/registry.js';
import type { RegistryProbe, SchemaRegistryModule } from '../../enrichment/formats/schema-types.js';
import { type StepLog, timed } from './engine.js';
import { withTimeout } from './net-probe.js';
import type { CheckPlan } from './plan.js';

/** Runs the registry step of every registry of the plan (one skipped step when there is none). */
export async function registrySteps(plan: CheckPlan, log: StepLog): Promise<void> {
  if (plan.registries.length === 0) {
    log.push({
      step: 'registry',
      status: 'skip',
      ms: 0,
      message: `no schema registry (value format ${plan.valueFormat}, no registry in value or key)`,
    });
    return;
  }
  for (const { field, settings } of plan.registries) {
    const module = findRegistry(settings.type) as SchemaRegistryModule;
    const what = `${settings.type} registry (${field})`;
    const t = await timed(() =>
      withTimeout(module.probe(settings, plan.registryDeps), plan.stepTimeoutMs, `the ${what}`),
    );
    const probe: RegistryProbe = t.value ?? {
      ok: false,
      failed: 'unreachable',
      message: (t.error as Error).message,
      cause: 'the registry did not answer within the step timeout',
      fix: 'check the registry address and the network path, or raise --timeout',
    };
    if (probe.ok) {
      log.push({ step: 'registry', target: field, status: 'pass', ms: t.ms, message: probe.message });
      continue;
    }
    log.push({
      step: 'registry',
      target: field,
      status: 'fail',
      ms: t.ms,
      message: `${what}: ${probe.message}`,
      cause: probe.cause,
      fix: `${plan.file}: ${field}: ${probe.fix}`,
      details: { failed: probe.failed },
    });
  }
}
