import { describe, expect, it } from 'vitest';
import { compileRules, DEFAULT_RULES, selectRules } from '../../../enrichment/index.js';
import { createRulesLoader } from '../../../enrichment/rules-loader.js';

const lastGood = compileRules(DEFAULT_RULES);
const valid = { name: 'custom', version: '2.0.0', operations: [{ op: 'remove', field: 'api.request_body' }] };

function recordingLogger() {
  const lines: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    lines.push({ level, message, ...(extra ? { extra } : {}) });
  };
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('selectRules', () => {
  it('takes a valid candidate', () => {
    const selection = selectRules({ doc: valid, file: 'appconfig:a/e/p' }, lastGood);
    expect(selection.status).toBe('updated');
    expect(selection.rules.ruleVersion).toMatch(/^custom@2\.0\.0\+/);
  });

  it('refuses an invalid candidate, keeps the last good rules and says why', () => {
    const selection = selectRules({ doc: { ...valid, version: 'two' }, file: 'appconfig:a/e/p' }, lastGood);
    expect(selection).toEqual({
      status: 'refused',
      rules: lastGood,
      issues: [
        {
          file: 'appconfig:a/e/p',
          field: 'version',
          message: 'must be a semantic version like 1.0.0, received "two"',
          fix: 'use a version like 1.0.0 and bump it on every edit',
        },
      ],
    });
  });

  it('reports unchanged for the same content', () => {
    const selection = selectRules({ doc: JSON.parse(JSON.stringify(DEFAULT_RULES)), file: 'x' }, lastGood);
    expect(selection).toEqual({ status: 'unchanged', rules: lastGood });
  });

  it('refuses hash redaction when the key is not available', () => {
    const doc = {
      ...valid,
      hmacKey: { secretName: 's' },
      operations: [{ op: 'redact', field: 'api.client_ip', mode: 'hash' }],
    };
    const selection = selectRules({ doc, file: 'x' }, lastGood);
    expect(selection.status).toBe('refused');
    expect(selection.rules).toBe(lastGood);
  });
});

describe('createRulesLoader', () => {
  it('uses the bundled rules when there is no AppConfig', async () => {
    const { logger } = recordingLogger();
    const loader = await createRulesLoader({ bundled: DEFAULT_RULES, logger });
    expect((await loader.current()).ruleVersion).toBe(lastGood.ruleVersion);
  });

  it('switches to a valid document, refuses a bad one once (logged), survives fetch failures, ignores a re-sent good one', async () => {
    // Arrange
    const docs: unknown[] = [
      valid,
      { ...valid, version: 'bad' },
      { ...valid, version: 'bad' },
      new Error('throttled'),
      valid,
    ];
    const { logger, lines } = recordingLogger();
    const loader = await createRulesLoader({
      bundled: DEFAULT_RULES,
      documentName: 'appconfig:a/e/p',
      fetchDocument: async () => {
        const next = docs.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      logger,
    });

    // Act
    const versions: string[] = [];
    for (let n = 0; n < 5; n++) versions.push((await loader.current()).ruleVersion);

    // Assert
    expect(new Set(versions).size).toBe(1);
    expect(versions[0]).toMatch(/^custom@2\.0\.0\+/);
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'info rules updated',
      'error rules refused, keeping last good rules',
      'warn rules fetch failed, keeping last good rules',
    ]);
    expect(lines[1]?.extra).toEqual({
      ruleVersion: versions[0],
      issues: [
        'version: must be a semantic version like 1.0.0, received "bad". Fix: use a version like 1.0.0 and bump it on every edit',
      ],
    });
  });

  it('resolves the HMAC key through the injected resolver and refuses when it fails', async () => {
    // Arrange
    const hashDoc = {
      name: 'hashed',
      version: '1.0.0',
      hmacKey: { secretName: 'enrichment/hmac' },
      operations: [{ op: 'redact', field: 'api.client_ip', mode: 'hash' }],
    };
    const asked: string[] = [];
    const { logger, lines } = recordingLogger();
    let fail = true;
    const loader = await createRulesLoader({
      bundled: DEFAULT_RULES,
      fetchDocument: async () => (fail ? hashDoc : { ...hashDoc, version: '1.0.1' }),
      resolveHmacKey: async (name) => {
        asked.push(name);
        if (fail) throw new Error('AccessDenied');
        return 'key';
      },
      logger,
    });

    // Act
    const first = await loader.current();
    fail = false;
    const second = await loader.current();

    // Assert
    expect(first.ruleVersion).toBe(lastGood.ruleVersion);
    expect(second.ruleVersion).toMatch(/^hashed@1\.0\.1\+/);
    expect(asked).toEqual(['enrichment/hmac', 'enrichment/hmac']);
    expect(lines[0]?.extra).toEqual({
      ruleVersion: lastGood.ruleVersion,
      issues: ['hmacKey.secretName: cannot read the HMAC key: AccessDenied'],
    });
  });
});
