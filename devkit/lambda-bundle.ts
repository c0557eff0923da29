/**
 * Bundles a Lambda handler the way the CDK app deploys it (NodejsFunction with pipes/lambda-bundling.ts:
 * esbuild, ESM, node22, minified, `@aws-sdk/*` left to the runtime, and the handler's externals for the
 * source from pipes/lambda-externals.ts, the list its construct uses), with esbuild's metafile, and measures
 * how long a fresh Node process takes to import the bundle. The bench (bench/lambdas.bench.ts) and the
 * bundle-content test (test/unit/poller/bundle.test.ts) use it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLING } from '../pipes/lambda-bundling.js';
import { type BundledSource, LAMBDA_EXTERNALS } from '../pipes/lambda-externals.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A bundled handler. */
export interface LambdaBundle {
  /** The bundle file (inside node_modules/.cache so external `@aws-sdk/*` imports resolve). */
  readonly file: string;
  /** Size of the bundle (without its source map). */
  readonly bytes: number;
  /** esbuild's metafile: every input and how much of it landed in the output. */
  readonly metafile: Metafile;
}

/**
 * Bundles `entry` (relative to the repository root, e.g. `fallback-poller/handler.ts`) with the deployed
 * Lambdas' esbuild options, for a source with the given value/key formats (default: JSON values, text keys)
 * and auth type (default: one that loads no client package, e.g. mtls).
 */
export async function bundleLambda(
  entry: string,
  source: Omit<BundledSource, 'auth'> & { readonly auth?: BundledSource['auth'] } = {},
): Promise<LambdaBundle> {
  const externals = LAMBDA_EXTERNALS[entry];
  if (!externals)
    throw new Error(
      `${entry} is not a deployed handler: pipes/lambda-externals.ts lists ${Object.keys(LAMBDA_EXTERNALS).join(', ')}`,
    );
  const external = externals({ ...source, auth: source.auth ?? { type: 'mtls' } });
  // The cache folder is named by the packages left out (absolute paths, the same for every source, aside).
  const name = [entry, ...external.filter((p) => !p.startsWith('/'))].join('-').replace(/[^\w]+/g, '-');
  const outdir = join(root, 'node_modules', '.cache', 'kafka-pipes-lambdas', name);
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, 'index.mjs');
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    // As the constructs bundle a source's Lambdas (pipes/lambda-externals.ts).
    external: [...LAMBDA_BUNDLING.externalModules, ...external],
    banner: { js: LAMBDA_BUNDLING.banner },
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.metafile.outputs[Object.keys(result.metafile.outputs)[0] as string];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return { file: outfile, bytes: output.bytes, metafile: result.metafile };
}

/** The bundle's inputs from `node_modules/<pkg>/…` (any depth of nesting), as package-relative paths. */
export function bundledPackageFiles(bundle: LambdaBundle, pkg: string): string[] {
  const marker = `node_modules/${pkg}/`;
  return Object.keys(bundle.metafile.inputs)
    .filter((p) => p.includes(marker))
    .map((p) => p.slice(p.lastIndexOf(marker) + marker.length));
}

/** How the bundle reaches external packages: `import-statement` (at load) or `dynamic-import` (on use). */
export function externalImports(bundle: LambdaBundle): { path: string; kind: string }[] {
  const output = bundle.metafile.outputs[Object.keys(bundle.metafile.outputs)[0] as string];
  return (output?.imports ?? []).filter((i) => i.external).map((i) => ({ path: i.path, kind: i.kind }));
}

/** Import time of a bundle in one fresh `node` process: wall-clock and CPU milliseconds. */
export interface ColdImport {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Imports the bundle in `runs` fresh `node` processes with `env` (what the handler reads at init) and
 * returns each process's import time.
 */
export function coldImports(file: string, env: Record<string, string>, runs: number): ColdImport[] {
  const script = `const c=process.cpuUsage();const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wallMs:performance.now()-t,cpuMs:(u.user+u.system)/1000}));`;
  const out: ColdImport[] = [];
  for (let i = 0; i < runs; i++) {
    const text = execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    out.push(JSON.parse(text) as ColdImport);
  }
  return out;
}
