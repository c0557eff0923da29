/**
 * Loads and validates the source catalogue (`pipes/sources/*.yaml`). Every problem in every file is
 * collected and reported at once as a {@link ConfigError} whose issues name file, field, bad value and fix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, formatIssues } from '../core/errors.js';
import { checkServiceRules } from './kinds/registry.js';
import { type FieldDoc, fieldDoc, renderPath } from './source-fields.js';
import { checkCatalogueRules, checkSourceRules, formatValue } from './source-rules.js';
import { defaultConsumerGroupId, type SourceConfig, sourceFileSchema } from './source-schema.js';

/** Default catalogue directory, relative to the working directory. */
export const DEFAULT_SOURCES_DIR = 'pipes/sources';

/** One source file's text. */
export interface SourceText {
  /** Path shown in messages. */
  readonly file: string;
  /** YAML (or JSON, a YAML subset) text. */
  readonly text: string;
}

/** A validated source with the file it came from. */
export interface LoadedSource {
  readonly file: string;
  readonly source: SourceConfig;
}

/**
 * How a caller uses the sources. `readOnly`: it only reads them (`check`, `dlq replay`, `preflight`, the
 * local run), so the service rules that concern only what is deployed are skipped (a secret given by name
 * is read with GetSecretValue, which takes one). Default: the sources are deployed (`cdk synth`, what
 * `onboard` and the CLI write), and every rule runs.
 */
export interface LoadOptions {
  readonly readOnly?: boolean;
}

/** Result of validating texts without throwing. */
export interface ValidationResult {
  readonly sources: readonly LoadedSource[];
  readonly issues: readonly ConfigIssue[];
}

type ZodIssue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** Walks the schema along a path, unwrapping optional/default/union/array wrappers. */
function schemasAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema[] {
  let current: AnySchema[] = [schema];
  const unwrap = (s: AnySchema): AnySchema[] => {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'nullable':
      case 'prefault':
        return unwrap(def.innerType as AnySchema);
      case 'pipe':
        return unwrap(def.in as AnySchema);
      case 'union':
        return (def.options as AnySchema[]).flatMap(unwrap);
      default:
        return [s];
    }
  };
  for (const seg of path) {
    const next: AnySchema[] = [];
    for (const s of current.flatMap(unwrap)) {
      const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
      if (typeof seg === 'number' && def.type === 'array') next.push(def.element as AnySchema);
      if (typeof seg === 'string' && def.type === 'object') {
        const child = (def.shape as Record<string, AnySchema>)[seg];
        if (child) next.push(child);
      }
      if (typeof seg === 'string' && def.type === 'record') next.push(def.valueType as AnySchema);
    }
    current = next;
  }
  return current.flatMap(unwrap);
}

/** Keys an object at `path` accepts. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(sourceFileSchema, path)) {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') for (const k of Object.keys(def.shape as object)) keys.add(k);
  }
  return [...keys];
}

/** Numeric bounds of the number schema at `path`, if any. */
function boundsAt(path: readonly PropertyKey[]): { min?: number; max?: number } {
  for (const s of schemasAt(sourceFileSchema, path)) {
    const num = s as unknown as { minValue?: number | null; maxValue?: number | null };
    if (typeof num.minValue === 'number' || typeof num.maxValue === 'number') {
      return { min: num.minValue ?? undefined, max: num.maxValue ?? undefined };
    }
  }
  return {};
}

/** Levenshtein distance (small strings). */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min(
        (prev[j] as number) + 1,
        (prev[j - 1] as number) + 1,
        diag + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

/** The closest known name within a small edit distance (case-insensitive), if any. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const score = distance(input.toLowerCase(), c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

function inputAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** What every zod-issue translator gets: the issue, its field, the field's wording and the received value. */
interface IssueInput {
  readonly issue: ZodIssue;
  readonly file: string;
  readonly raw: unknown;
  readonly field: string;
  readonly doc: FieldDoc;
  readonly value: unknown;
}

/** Turns one zod issue into one or more config issues. */
function toConfigIssues(issue: ZodIssue, file: string, raw: unknown): ConfigIssue[] {
  const path = issue.path;
  const input: IssueInput = {
    issue,
    file,
    raw,
    field: renderPath(path),
    doc: fieldDoc(path),
    value: 'input' in issue ? issue.input : inputAt(raw, path),
  };
  const translate = ISSUE_TRANSLATORS[issue.code] ?? otherIssue;
  return translate(input);
}

/** One issue of the field, with the field's fix. */
function fieldIssue({ file, field, doc }: IssueInput, message: string, fix = doc.fix): ConfigIssue[] {
  return [{ file, field, message, fix }];
}

const ISSUE_TRANSLATORS: Partial<Record<ZodIssue['code'], (input: IssueInput) => ConfigIssue[]>> = {
  unrecognized_keys: unknownKeys,
  too_small: outOfBounds,
  too_big: outOfBounds,
  invalid_type: (input) => {
    const { issue, doc, value } = input;
    if (value === undefined) return fieldIssue(input, `${doc.label} is required`);
    const { expected: type } = issue as { expected?: string };
    const expected = type === 'int' ? 'a whole number' : `a ${type}`;
    return fieldIssue(input, `${doc.label} must be ${expected}, received ${formatValue(value)}`);
  },
  invalid_value: (input) => {
    const { doc, value } = input;
    const allowed = (input.issue as { values: unknown[] }).values.map(String);
    const suggestion = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
    return fieldIssue(
      input,
      `${doc.label} must be one of ${allowed.join(' | ')}, received ${formatValue(value)}`,
      suggestion ? `did you mean "${suggestion}"? ${doc.fix}` : doc.fix,
    );
  },
  invalid_format: (input) =>
    fieldIssue(input, `${input.doc.label} has an invalid format, received ${formatValue(input.value)}`),
  invalid_union: invalidUnion,
};

/** Unknown fields, each with a "did you mean" or the allowed fields. */
function unknownKeys({ issue, file, raw }: IssueInput): ConfigIssue[] {
  if (issue.code !== 'unrecognized_keys') return [];
  const known = knownKeysAt(issue.path);
  return issue.keys.map((key) => {
    const keyPath = [...issue.path, key];
    const suggestion = didYouMean(key, known);
    return {
      file,
      field: renderPath(keyPath),
      message: `Unknown field "${key}" (value ${formatValue(inputAt(raw, keyPath))})`,
      fix: suggestion
        ? `did you mean "${suggestion}"? Rename the field`
        : `remove it; allowed fields here: ${known.join(', ')}`,
    };
  });
}

/** A number out of range, an array with too few/many entries, or a string too short/long. */
function outOfBounds(input: IssueInput): ConfigIssue[] {
  const { issue, doc, value } = input;
  if (issue.code !== 'too_small' && issue.code !== 'too_big') return [];
  if (issue.origin === 'number') {
    const { min, max } = boundsAt(issue.path);
    return fieldIssue(
      input,
      `${doc.label} must be between ${min} and ${max}, received ${formatValue(value)}`,
    );
  }
  if (issue.origin === 'array') {
    const n = Array.isArray(value) ? value.length : 0;
    const bound =
      issue.code === 'too_big'
        ? `at most ${issue.maximum}`
        : `at least ${(issue as { minimum: unknown }).minimum}`;
    return fieldIssue(input, `${doc.label} must have ${bound} entries, received ${n}`);
  }
  const size = issue.code === 'too_big' ? 'long' : 'short';
  return fieldIssue(input, `${doc.label} is too ${size}, received ${formatValue(value)}`);
}

/** A discriminated union with a bad discriminator (e.g. `target.type`), or a value matching no shape. */
function invalidUnion(input: IssueInput): ConfigIssue[] {
  const { issue, file, raw, doc, value } = input;
  const path = issue.path;
  const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
  if (discriminator === undefined) {
    return fieldIssue(input, `${doc.label} does not match any allowed shape, received ${formatValue(value)}`);
  }
  const discPath = path[path.length - 1] === discriminator ? path : [...path, discriminator];
  const allowed = (options ?? []).map(String);
  const got = inputAt(raw, discPath);
  const suggestion = typeof got === 'string' ? didYouMean(got, allowed) : undefined;
  const discDoc = fieldDoc(discPath);
  return [
    {
      file,
      field: renderPath(discPath),
      message:
        got === undefined
          ? `${discDoc.label} is required`
          : `${discDoc.label} must be one of ${allowed.join(' | ')}, received ${formatValue(got)}`,
      fix: suggestion ? `did you mean "${suggestion}"? ${discDoc.fix}` : discDoc.fix,
    },
  ];
}

/** Any other zod issue: its own message, with the field's wording. */
function otherIssue(input: IssueInput): ConfigIssue[] {
  const { issue, doc, value } = input;
  return fieldIssue(input, `${doc.label}: ${issue.message}, received ${formatValue(value)}`);
}

/** Parses YAML text into a plain value, or returns issues. */
function parseYaml(text: string, file: string): { raw?: unknown; issues: ConfigIssue[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => ({
        file,
        field: '(file)',
        message: `Invalid YAML at line ${e.linePos?.[0]?.line ?? 1}: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
        fix: 'fix the YAML syntax (indentation, quotes, duplicate keys)',
      })),
    };
  }
  const raw = doc.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      issues: [
        {
          file,
          field: '(root)',
          message: `A source file must be a mapping of fields, received ${formatValue(raw)}`,
          fix: 'start from an example in pipes/sources/ (name, kind, topic, target …)',
        },
      ],
    };
  }
  return { raw, issues: [] };
}

/**
 * Validates one file's parsed content without cross-file rules: the schema and the cross-field rules
 * (every problem at once), then, on a valid source, the AWS service rules of its kinds.
 */
function validateOne(
  raw: unknown,
  file: string,
  options: LoadOptions,
): { source?: SourceConfig; issues: ConfigIssue[] } {
  const result = sourceFileSchema.safeParse(raw, { reportInput: true });
  const issues: ConfigIssue[] = result.success
    ? []
    : result.error.issues.flatMap((i) => toConfigIssues(i, file, raw));
  issues.push(...checkSourceRules(raw, file));
  if (!result.success || issues.length > 0) return { issues };
  const data = result.data;
  const source = { ...data, consumerGroupId: data.consumerGroupId ?? defaultConsumerGroupId(data.name) };
  const ruleIssues = checkServiceRules(source, { file, ...(options.readOnly ? { readOnly: true } : {}) });
  return ruleIssues.length > 0 ? { issues: ruleIssues } : { source, issues };
}

/**
 * Validates several source texts together (per-file rules + cross-file rules) and returns every issue,
 * never throwing. Used by {@link loadSources} and by the CLI (`onboard`, `check`).
 */
export function validateSourceTexts(
  texts: readonly SourceText[],
  options: LoadOptions = {},
): ValidationResult {
  const issues: ConfigIssue[] = [];
  const sources: LoadedSource[] = [];
  const entries: { file: string; raw: unknown }[] = [];
  for (const { file, text } of texts) {
    const parsed = parseYaml(text, file);
    issues.push(...parsed.issues);
    if (parsed.raw === undefined) continue;
    entries.push({ file, raw: parsed.raw });
    const one = validateOne(parsed.raw, file, options);
    issues.push(...one.issues);
    if (one.source) sources.push({ file, source: one.source });
  }
  issues.push(...checkCatalogueRules(entries));
  return { sources, issues };
}

function fail(issues: readonly ConfigIssue[]): never {
  const files = new Set(issues.map((i) => i.file)).size;
  throw new ConfigError(
    `${issues.length} problem${issues.length === 1 ? '' : 's'} in ${files} source file${files === 1 ? '' : 's'}:\n${formatIssues(issues)}`,
    issues,
  );
}

/**
 * Parses and validates one source file's text.
 * @throws ConfigError listing all issues of the file.
 * @example parseSourceFile(readFileSync(f, 'utf8'), f)
 */
export function parseSourceFile(text: string, file: string, options: LoadOptions = {}): SourceConfig {
  const { sources, issues } = validateSourceTexts([{ file, text }], options);
  if (issues.length > 0) fail(issues);
  return (sources[0] as LoadedSource).source;
}

/** Lists the catalogue files (`*.yaml`, `*.yml`) of a directory, sorted. */
export function listSourceFiles(dir: string = DEFAULT_SOURCES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Loads every source file of a directory, with the file each came from.
 * @throws ConfigError listing all issues of all files.
 */
export function loadSourceEntries(
  dir: string = DEFAULT_SOURCES_DIR,
  options: LoadOptions = {},
): LoadedSource[] {
  const texts = listSourceFiles(dir).map((path) => ({
    file: relative(process.cwd(), path) || path,
    text: readFileSync(path, 'utf8'),
  }));
  const { sources, issues } = validateSourceTexts(texts, options);
  if (issues.length > 0) fail(issues);
  return [...sources];
}

/**
 * Loads and validates the whole catalogue.
 * @throws ConfigError listing all issues of all files.
 */
export function loadSources(dir: string = DEFAULT_SOURCES_DIR): SourceConfig[] {
  return loadSourceEntries(dir).map((e) => e.source);
}
