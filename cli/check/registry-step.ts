/**
 * The `registry` step of `check`: for each schema registry the source reads (value, value fallback, key),
 * its module's probe (enrichment/formats/registries/: Glue `GetRegistry`, Confluent `GET /subjects` with
 * the source's credentials) — registry reachable, credentials accepted, registry present — bounded by the
 * step timeout. A source without a registry has no registry step: nothing is skipped, so a JSON source can
 * still get "all checks passed".
 */
import { findRegistry } from '../../enrichment/formats/registry.js';
import type { RegistryProbe, SchemaRegistryModule } from '../../enrichment/formats/schema-types.js';
import { type StepLog, timed } from './engine.js';
import { withTimeout } from './net-probe.js';
import type { CheckPlan } from './plan.js';

/** Runs the registry step of every registry of the plan (none when the source reads no registry). */
export async function registrySteps(plan: CheckPlan, log: StepLog): Promise<void> {
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
