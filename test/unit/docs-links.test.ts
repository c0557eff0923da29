import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Keeps the documentation from rotting silently: every relative markdown link in the README, docs/*.md and
 * the folder READMEs resolves to an existing file (and, with `#anchor`, to a heading of that file), and every
 * repository path quoted in a code span (`pipes/load-sources.ts`) exists.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const DOC_FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...['fallback-poller/README.md', 'devkit/testbed/README.md'].filter((f) => existsSync(join(ROOT, f))),
];

/** Top-level folders whose paths, quoted in a code span, must exist. */
const REPO_DIRS = [
  'pipes',
  'enrichment',
  'cli',
  'core',
  'infra',
  'devkit',
  'fallback-poller',
  'targets',
  'test',
  'bench',
  'docs',
  'bin',
];

/** Strips fenced code blocks so `[x](y)` inside examples is not taken for a link. */
function withoutFences(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's heading anchor: lower case, punctuation (but `-` and `_`) removed, spaces to dashes, `-n` for repeats. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (heading as string)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Relative links `[text](target)` outside code fences; absolute URLs and mail links are skipped. */
function relativeLinks(text: string): string[] {
  return [...withoutFences(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1] as string)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** Repository paths in code spans, e.g. `enrichment/rules/default.rules.yaml`; globs and placeholders skipped. */
function codeSpanPaths(text: string): string[] {
  const dirs = REPO_DIRS.join('|').replace(/\./g, '\\.');
  const pathPattern = new RegExp(`^(?:\\.\\./)*(?:${dirs})/[A-Za-z0-9_./-]*[A-Za-z0-9_]$`);
  return [...text.matchAll(/`([^`\n]+)`/g)]
    .flatMap((m) => (m[1] as string).split(/[\s,()]+/))
    .filter((token) => pathPattern.test(token));
}

const linkCases = DOC_FILES.flatMap((doc) =>
  relativeLinks(readFileSync(join(ROOT, doc), 'utf8')).map((link) => [doc, link] as const),
);
const pathCases = DOC_FILES.flatMap((doc) =>
  [...new Set(codeSpanPaths(readFileSync(join(ROOT, doc), 'utf8')))].map((path) => [doc, path] as const),
);

describe('documentation links', () => {
  it('finds links to check in the README and docs/', () => {
    // Assert: guards against a regex that silently matches nothing.
    expect(linkCases.filter(([doc]) => doc === 'README.md').length).toBeGreaterThan(5);
    expect(pathCases.length).toBeGreaterThan(20);
  });

  it.each(linkCases)('%s → %s resolves', (doc, link) => {
    // Arrange
    const [target = '', anchor] = link.split('#');
    const file = target === '' ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), decodeURI(target));

    // Act + Assert: the file exists (inside the repository) …
    expect(relative(ROOT, file).startsWith('..'), `${link} leaves the repository`).toBe(false);
    expect(existsSync(file), `${doc}: ${link}: no such file ${relative(ROOT, file)}`).toBe(true);
    // … and so does the heading the anchor names.
    if (anchor !== undefined && statSync(file).isFile() && file.endsWith('.md')) {
      const anchors = headingAnchors(readFileSync(file, 'utf8'));
      expect([...anchors], `${doc}: ${link}: no heading #${anchor} in ${relative(ROOT, file)}`).toContain(
        anchor,
      );
    }
  });

  it.each(pathCases)('%s quotes `%s`, which exists', (doc, path) => {
    // Arrange: paths starting with ../ are relative to the document, the others to the repository root.
    const file = path.startsWith('../') ? resolve(dirname(join(ROOT, doc)), path) : join(ROOT, path);

    // Assert
    expect(existsSync(file), `${doc}: \`${path}\` does not exist`).toBe(true);
  });
});

describe('headingAnchors', () => {
  it.each([
    ['## Replaying a DLQ', 'replaying-a-dlq'],
    ['## `dlq inspect | replay <source|queue-url>`', 'dlq-inspect--replay-sourcequeue-url'],
    ['### replay', 'replay'],
    ['## Quick start', 'quick-start'],
  ])('%s → #%s', (heading, anchor) => {
    // Act + Assert
    expect([...headingAnchors(`${heading}\n`)]).toEqual([anchor]);
  });

  it('numbers repeated headings like GitHub', () => {
    // Act + Assert
    expect([...headingAnchors('## Files\n\n## Files\n')]).toEqual(['files', 'files-1']);
  });
});
