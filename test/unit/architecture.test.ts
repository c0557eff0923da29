import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AUTH_TYPES, SOURCE_KINDS, TARGET_TYPES } from '../../pipes/kinds/registry.js';

/**
 * The layout rules of docs/architecture.md, checked on every production `.ts` file (everything tracked by git
 * except `test/`, `bench/` and the dev kit `devkit/`):
 * - no production file imports the dev kit or the tests;
 * - only the Kafka adapter (`core/kafka/`) imports `kafkajs` (others may import its types);
 * - no production file over 500 lines, no function over 80 lines;
 * - each auth-type, source-kind and target-type literal stands in at most 3 production files: its kind
 *   module, the registry and at most one generated file. Everything else dispatches through the registry.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FILE_LINES_MAX = 500;
const FUNCTION_LINES_MAX = 80;
const KIND_LITERAL_FILES_MAX = 3;
const KAFKA_ADAPTER_DIR = 'core/kafka/';

const productionFiles = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !/^(test|bench|devkit)\//.test(f) && !f.endsWith('.d.ts'))
  .filter((f) => f !== 'vitest.config.ts');

const parsed = new Map<string, ts.SourceFile>(
  productionFiles.map((f) => [
    f,
    ts.createSourceFile(f, readFileSync(join(ROOT, f), 'utf8'), ts.ScriptTarget.Latest, true),
  ]),
);

interface ImportRef {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

function importsOf(sf: ts.SourceFile): ImportRef[] {
  const refs: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node)
        ? (node.importClause?.isTypeOnly ?? false)
        : node.isTypeOnly;
      refs.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      refs.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

describe('architecture', () => {
  it('finds the production files', () => {
    expect(productionFiles.length).toBeGreaterThan(50);
    expect(productionFiles).toContain('pipes/kinds/registry.ts');
  });

  it('no production file imports the dev kit or the tests', () => {
    const offenders: string[] = [];
    for (const [file, sf] of parsed) {
      for (const { specifier } of importsOf(sf)) {
        if (!specifier.startsWith('.')) continue;
        const target = normalize(join(dirname(file), specifier));
        if (/^(devkit|test|bench)\//.test(target)) offenders.push(`${file} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it(`only ${KAFKA_ADAPTER_DIR} imports kafkajs (values; types are allowed elsewhere)`, () => {
    const offenders = [...parsed]
      .filter(([file]) => !file.startsWith(KAFKA_ADAPTER_DIR))
      .flatMap(([file, sf]) =>
        importsOf(sf)
          .filter((r) => (r.specifier === 'kafkajs' || r.specifier.startsWith('kafkajs/')) && !r.typeOnly)
          .map(() => file),
      );
    expect(offenders).toEqual([]);
  });

  it(`no production file is over ${FILE_LINES_MAX} lines`, () => {
    const long = [...parsed]
      .map(([file, sf]) => ({ file, lines: sf.getLineStarts().length }))
      .filter((f) => f.lines > FILE_LINES_MAX)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });

  it(`no production function is over ${FUNCTION_LINES_MAX} lines`, () => {
    const long: string[] = [];
    for (const [file, sf] of parsed) {
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const lines = lineOf(sf, node.end) - lineOf(sf, node.getStart()) + 1;
          if (lines > FUNCTION_LINES_MAX) long.push(`${file}:${lineOf(sf, node.getStart())}: ${lines} lines`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(long).toEqual([]);
  });

  it.each([
    ['auth type', AUTH_TYPES],
    ['source kind', SOURCE_KINDS],
    ['target type', TARGET_TYPES],
  ])(`each %s literal stands in at most ${KIND_LITERAL_FILES_MAX} production files`, (_what, kinds) => {
    const over: string[] = [];
    for (const kind of kinds as readonly string[]) {
      const files = [...parsed]
        .filter(([, sf]) => {
          let found = false;
          const visit = (node: ts.Node): void => {
            if (
              (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
              node.text === kind
            ) {
              found = true;
            }
            if (!found) ts.forEachChild(node, visit);
          };
          visit(sf);
          return found;
        })
        .map(([file]) => file);
      if (files.length > KIND_LITERAL_FILES_MAX) over.push(`'${kind}': ${files.join(', ')}`);
    }
    expect(over).toEqual([]);
  });
});
