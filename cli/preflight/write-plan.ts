/**
 * What `preflight --write` changes in a source file (pure): the engine the preflight decided and what that
 * engine needs so the file deploys as it is — for the poller the `poller` section with the truststore
 * location (a bundle over the secret limit goes to the truststore bucket), for a Pipe no `poller` section —
 * or a refusal that says why and what to do. The edits are applied with the yaml Document API (comments and
 * layout kept) and the result is validated with the synth's loader (`applySourceEdits`).
 */
import { parseDocument } from 'yaml';
import type { ConfigIssue } from '../../core/errors.js';
import { parseSourceFile } from '../../pipes/load-sources.js';
import { secretArnRule } from '../../pipes/secret-refs.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import {
  CHECK_STATUS,
  type Engine,
  oversizeTrustFix,
  type PreflightCheck,
  type PreflightReport,
} from './engine.js';

/** One change of the source file: set `path` to `value`, or delete it when `value` is undefined. */
export interface SourceEdit {
  readonly path: readonly string[];
  readonly value?: unknown;
}

/** The outcome of planning `--write`. */
export type WritePlan =
  | {
      readonly kind: 'write';
      readonly engine: Engine;
      readonly edits: readonly SourceEdit[];
      /** What the operator does next (e.g. the truststore upload). */
      readonly next: readonly string[];
    }
  | { readonly kind: 'refuse'; readonly issue: ConfigIssue };

/** What the plan looks at. */
export interface WritePlanInput {
  readonly file: string;
  readonly source: SourceConfig;
  readonly report: PreflightReport;
  /** The `--ca` file the trust bundle came from, named in the upload command. */
  readonly caFile?: string;
}

/** The key a source's truststore gets in the truststore bucket unless told otherwise. */
export function defaultTruststoreKey(sourceName: string): string {
  return `truststores/${sourceName}.pem`;
}

const refuse = (file: string, field: string, message: string, fix: string): WritePlan => ({
  kind: 'refuse',
  issue: { file, field, message, fix },
});

/**
 * Plans the edits of `preflight --write`.
 * @example planWrite({ file, source, report }) // { kind: 'write', engine: 'poller', edits: [...], next: [...] }
 */
export function planWrite(input: WritePlanInput): WritePlan {
  const { file, report } = input;
  if (!report.ok) {
    return refuse(
      file,
      'engine',
      'preflight failed, so neither engine can take the material as it is; nothing written',
      'fix the ✗ items above and run preflight --write again',
    );
  }
  return report.decision.engine === 'pipe' ? planPipe(input) : planPoller(input);
}

/** A Pipe: engine pipe, no poller section; a private CA kept only in poller.truststore is refused. */
function planPipe({ file, source }: WritePlanInput): WritePlan {
  if (source.engine !== 'poller') return { kind: 'write', engine: 'pipe', edits: [], next: [] };
  if (source.poller?.truststore && !source.rootCaSecret) {
    return refuse(
      file,
      'poller.truststore',
      'a Pipe reads the private root CA from rootCaSecret, and this source keeps it only in poller.truststore',
      'store the bundle as {"certificate": "<PEM>"} in a Secrets Manager secret, set rootCaSecret to its ARN and run preflight --write again',
    );
  }
  return {
    kind: 'write',
    engine: 'pipe',
    edits: [{ path: ['engine'], value: 'pipe' }, { path: ['poller'] }],
    next: ['the poller section was removed: a Pipe does not use it'],
  };
}

/** Whether the trust bundle is over the secret limit (the size check asked for the poller). */
function trustOversize(report: PreflightReport): boolean {
  return report.checks.some((c) => c.id === 'trust-secret-size' && c.requiresPoller !== undefined);
}

/** The poller: engine poller and a poller section whose truststore the poller can read. */
function planPoller(input: WritePlanInput): WritePlan {
  const { file, source, report } = input;
  const oversize = trustOversize(report);
  const current = source.poller?.truststore;
  if (current && 'secret' in current && oversize) {
    return refuse(
      file,
      'poller.truststore.secret',
      'the trust bundle is over 65,536 bytes, the largest secret Secrets Manager stores',
      oversizeTrustFix(source.name),
    );
  }
  const edits: SourceEdit[] = source.engine === 'poller' ? [] : [{ path: ['engine'], value: 'poller' }];
  if (current) return { kind: 'write', engine: 'poller', edits, next: [] };
  const toBucket = oversize || (input.caFile !== undefined && !source.rootCaSecret);
  const truststore = toBucket
    ? { s3Key: defaultTruststoreKey(source.name) }
    : source.rootCaSecret
      ? { secret: source.rootCaSecret }
      : undefined;
  if (truststore) edits.push({ path: ['poller', 'truststore'], value: truststore });
  else if (!source.poller) edits.push({ path: ['poller'], value: {} });
  const next = toBucket
    ? [
        `npx cdk deploy   # creates the poller and its truststore bucket`,
        `kafka-pipes truststore upload ${source.name} ${input.caFile ?? '<bundle.pem>'}   # puts the bundle at ${defaultTruststoreKey(source.name)}; the poller reads it from its next run`,
      ]
    : [];
  return { kind: 'write', engine: 'poller', edits, next };
}

/**
 * Applies edits to a source file's YAML text, keeping comments and layout (yaml Document API), and
 * validates the result with the synth's loader before returning it.
 * @throws ConfigError when the edited file would not be valid.
 */
export function applySourceEdits(text: string, file: string, edits: readonly SourceEdit[]): string {
  const doc = parseDocument(text);
  for (const edit of edits) {
    // A scalar set in place keeps its comment; a mapping is written in flow style, padded like the file's.
    if (edit.value === undefined) doc.deleteIn(edit.path);
    else if (typeof edit.value !== 'object') doc.setIn(edit.path, edit.value);
    else doc.setIn(edit.path, doc.createNode(edit.value, { flow: true }));
  }
  const next = doc.toString({ flowCollectionPadding: flowPadding(text), lineWidth: 0 });
  parseSourceFile(next, file);
  return next;
}

/**
 * Whether the file writes its flow collections with inner spaces (`{ type: mtls }`, `[ a, b ]`) rather than
 * without (`{type: mtls}`): the style most of its flow collections use, so rewriting keeps it. The yaml
 * library takes one style for the whole document.
 */
export function flowPadding(text: string): boolean {
  const lines = text.split('\n').map((line) => line.replace(/\s#.*$/, ''));
  let padded = 0;
  let tight = 0;
  for (const line of lines) {
    for (const m of line.matchAll(/:\s+[{[](.)/g)) {
      if (m[1] === ' ') padded++;
      else if (m[1] !== '}' && m[1] !== ']') tight++;
    }
  }
  return padded > tight;
}

/**
 * A warning per secret the file names by a name or a partial ARN: `cdk synth` refuses them (the
 * `secret-full-arn` rule, pipes/secret-refs.ts), and `--write` replaces them with the full ARNs.
 */
export function secretArnChecks(file: string, source: SourceConfig): PreflightCheck[] {
  return secretArnRule.check(source, { file }).map((issue) => ({
    id: 'secret-full-arn',
    status: CHECK_STATUS.warn,
    message: `${issue.field}: ${issue.message}; cdk synth refuses it`,
    fix: issue.fix,
  }));
}

/** The edits that write resolved secret ARNs (field → ARN) over the names in the file. */
export function secretArnEdits(arns: Readonly<Record<string, string>>): SourceEdit[] {
  return Object.entries(arns).map(([field, arn]) => ({ path: field.split('.'), value: arn }));
}

/** The source with resolved secret ARNs in place of the names (what the plan then copies, e.g. the truststore). */
export function withSecretArns(source: SourceConfig, arns: Readonly<Record<string, string>>): SourceConfig {
  const truststore = source.poller?.truststore;
  const trustArn = arns['poller.truststore.secret'];
  return {
    ...source,
    auth: { ...source.auth, ...(arns['auth.secret'] ? { secret: arns['auth.secret'] } : {}) },
    ...(arns.rootCaSecret ? { rootCaSecret: arns.rootCaSecret } : {}),
    ...(source.poller && truststore && trustArn
      ? { poller: { ...source.poller, truststore: { secret: trustArn } } }
      : {}),
  };
}
