/**
 * Builds the CDK app in-process (used by infra/app.ts and by the infra tests). Env-agnostic: synthesizes
 * without AWS credentials. Source-file validation errors abort with every issue listed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { SOURCE_SNAPSHOT_METADATA_KEY } from '../pipes/kafka-pipe.construct.js';
import { DEFAULT_SOURCES_DIR, type LoadedSource, loadSourceEntries } from '../pipes/load-sources.js';
import {
  diffReplacementFields,
  formatReplacementWarning,
  type ReplacementSnapshot,
  replacementSnapshot,
} from '../pipes/replacement-fields.js';
import { assertEnvironment, ENVIRONMENTS, stackName } from './environments.js';
import { applyNagSuppressions } from './nag-suppressions.js';
import { KafkaPipesStack } from './pipes-stack.js';

/** Repository root (this file is infra/build-app.ts). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Environment; default the `environment` context value, else `dev`. */
  readonly environment?: string;
  /** Sources to deploy; default: loaded from `sourcesDir`. */
  readonly sources?: readonly LoadedSource[];
  /** Catalogue directory; default `pipes/sources` under the project root. */
  readonly sourcesDir?: string;
  /** Repository root; default the one containing this file. */
  readonly projectRoot?: string;
  /** Cloud assembly directory. */
  readonly outdir?: string;
  /** Bundle Lambda code with esbuild (default true; tests pass false for speed). */
  readonly bundle?: boolean;
  /** Add cdk-nag AwsSolutions + Serverless checks (default: `nag` context value, else false). */
  readonly nag?: boolean;
  /** Previous cloud assembly to compare against for Pipe-replacement warnings; default `cdk.out`. */
  readonly previousOutdir?: string;
  /** Extra context. */
  readonly context?: Record<string, unknown>;
  /** Alarm topic override; default from the environment settings. */
  readonly alarmTopic?: boolean;
}

/** The built app. */
export interface BuiltApp {
  readonly app: App;
  readonly stack: KafkaPipesStack;
}

/** The `context` of cdk.json (feature flags), so in-process builds match `npx cdk synth`. */
export function cdkJsonContext(projectRoot: string): Record<string, unknown> {
  const path = join(projectRoot, 'cdk.json');
  if (!existsSync(path)) return {};
  const json = JSON.parse(readFileSync(path, 'utf8')) as { context?: Record<string, unknown> };
  const { environment: _ignored, ...flags } = json.context ?? {};
  return flags;
}

/** Replacement snapshots of the Pipes in a previously synthesized template, by source name. */
export function previousSnapshots(templatePath: string): Map<string, ReplacementSnapshot> {
  const out = new Map<string, ReplacementSnapshot>();
  if (!existsSync(templatePath)) return out;
  try {
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
      Resources?: Record<string, { Type?: string; Metadata?: Record<string, unknown> }>;
    };
    for (const r of Object.values(template.Resources ?? {})) {
      const snap = r.Type === 'AWS::Pipes::Pipe' ? r.Metadata?.[SOURCE_SNAPSHOT_METADATA_KEY] : undefined;
      if (snap && typeof snap === 'object' && typeof (snap as { name?: unknown }).name === 'string') {
        out.set((snap as ReplacementSnapshot).name, snap as ReplacementSnapshot);
      }
    }
  } catch {
    // an unreadable previous template only disables the warnings
  }
  return out;
}

/**
 * Builds the app with one stack for the selected environment.
 * @throws ConfigError when a source file is invalid (all issues listed).
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<BuiltApp> {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const context: Record<string, unknown> = { ...cdkJsonContext(projectRoot), ...(options.context ?? {}) };
  if (options.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}), context });
  const environment = assertEnvironment(
    options.environment ?? (app.node.tryGetContext('environment') as string | undefined) ?? 'dev',
  );
  const sources =
    options.sources ?? loadSourceEntries(options.sourcesDir ?? join(projectRoot, DEFAULT_SOURCES_DIR));
  const settings = ENVIRONMENTS[environment];
  const stack = new KafkaPipesStack(app, stackName(environment), {
    environment,
    sources,
    projectRoot,
    alarmTopic: options.alarmTopic ?? settings.alarmTopic,
    removalPolicy: settings.removalPolicy,
  });

  const previous = previousSnapshots(
    join(options.previousOutdir ?? join(projectRoot, 'cdk.out'), `${stackName(environment)}.template.json`),
  );
  for (const { source } of sources) {
    const before = previous.get(source.name);
    const pipe = stack.pipes.get(source.name);
    if (!before || !pipe) continue;
    for (const change of diffReplacementFields(before, replacementSnapshot(source))) {
      Annotations.of(pipe).addWarningV2('kafka-pipes:pipe-replacement', formatReplacementWarning(change));
    }
  }

  const nag = options.nag ?? String(app.node.tryGetContext('nag') ?? 'false') === 'true';
  applyNagSuppressions(stack);
  if (nag) addNagChecks(app);
  return { app, stack };
}

/** Adds the cdk-nag AwsSolutions and Serverless packs as validation plugins (run at synth). */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
