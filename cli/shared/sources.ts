/**
 * Resolves the `<source>` argument of a command: a source name (looked up in the catalogue directory) or a
 * path to a source file. Validates with the same loader as the synth (parseSourceFile), read-only: the
 * commands read the source's secrets themselves (GetSecretValue takes a name), and those that write the
 * file validate what they write as the synth does (cli/preflight/write-plan.ts applySourceEdits).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_SOURCES_DIR, listSourceFiles, parseSourceFile } from '../../pipes/load-sources.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { usageError } from './output.js';

/** A source file read from disk and validated. */
export interface ResolvedSource {
  /** Path of the file. */
  readonly file: string;
  /** Original YAML text (kept for comment-preserving edits). */
  readonly text: string;
  readonly source: SourceConfig;
}

/**
 * Reads and validates a source by name or path.
 * @throws UsageError when no file matches; ConfigError (from the loader) when the file is invalid.
 * @example resolveSource('orders') // reads pipes/sources/orders.yaml
 */
export function resolveSource(ref: string, sourcesDir: string = DEFAULT_SOURCES_DIR): ResolvedSource {
  const candidates = /\.ya?ml$/.test(ref)
    ? [ref]
    : [join(sourcesDir, `${ref}.yaml`), join(sourcesDir, `${ref}.yml`)];
  // The synth knows a source by its `name:`, whatever its file is called; so does every command.
  const file =
    (/\.ya?ml$/.test(ref) ? undefined : fileNamed(ref, sourcesDir)) ?? candidates.find((c) => existsSync(c));
  if (!file) {
    throw usageError(
      '<source>',
      'source',
      `no source file for "${ref}" (looked for ${candidates.join(', ')})`,
      `pass a source name from ${sourcesDir}/ or a path to a .yaml file, or create one with \`kafka-pipes onboard\``,
    );
  }
  const text = readFileSync(file, 'utf8');
  return { file, text, source: parseSourceFile(text, file, { readOnly: true }) };
}

/**
 * The catalogue file whose `name:` is `name` (the file name may differ: the loader accepts any), when
 * exactly one has it. Files that do not parse are skipped here; the loader reports them.
 */
function fileNamed(name: string, sourcesDir: string): string | undefined {
  if (!existsSync(sourcesDir)) return undefined;
  const matches = listSourceFiles(sourcesDir).filter((f) => {
    try {
      return (parse(readFileSync(f, 'utf8')) as { name?: unknown } | null)?.name === name;
    } catch {
      return false;
    }
  });
  return matches.length === 1 ? matches[0] : undefined;
}
