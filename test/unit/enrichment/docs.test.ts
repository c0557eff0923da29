import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATION_KINDS, parseRules } from '../../../enrichment/index.js';

const doc = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('docs/rules.md', () => {
  it('documents every operation with a heading', () => {
    for (const op of OPERATION_KINDS) expect(doc).toContain(`### ${op} — `);
  });

  it.each(yamlBlocks.map((b, i) => [i, b] as const))(
    'example %i is a valid rules document or operation list',
    (_i, block) => {
      // Arrange: a full document is parsed as is; an operation list is wrapped into a document.
      const text = block.startsWith('name:')
        ? block
        : `name: doc-example\nversion: 1.0.0\nhmacKey: {secretName: s}\noperations:\n${block.replace(/^/gm, '  ')}`;

      // Act + Assert
      expect(() => parseRules(text, 'docs/rules.md')).not.toThrow();
    },
  );
});
