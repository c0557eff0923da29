/**
 * `preflight --write` writes only what deploys (issue 12 items 8–10): the write plan for each decision,
 * MSK sources that would need the poller fail with the PBES1 command, a trust bundle over the secret limit
 * goes to the truststore bucket, and every file the plan can produce loads with the synth's loader.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreflightCheck, type PreflightReport, runPreflight } from '../../../cli/preflight/engine.js';
import {
  applySourceEdits,
  planWrite,
  secretArnChecks,
  secretArnEdits,
  type WritePlan,
} from '../../../cli/preflight/write-plan.js';
import { parseSourceFile, validateSourceTexts } from '../../../pipes/load-sources.js';
import { PBES1_COMMAND } from '../../../pipes/source-rules.js';
import { makeUnitPki, type UnitPki } from './pki-fixture.js';

const FILE = 'pipes/sources/orders.yaml';
const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
const BASE = `# orders source\nname: orders # the name\nkind: self-managed\nbrokers: [b1:9093]\ntopic: orders\nauth:\n  type: mtls\n  secret: ${arn('kafka/orders/client')}\ntarget:\n  type: kinesis\n`;
const OVERSIZE: PreflightCheck = {
  id: 'trust-secret-size',
  status: 'warn',
  message: 'root CA secret is 91,342 bytes, over the 65,536-byte secret limit',
  requiresPoller: 'the root CA secret is 91,342 bytes, over the 65,536-byte limit of a Pipe secret',
};

function report(engine: 'pipe' | 'poller', checks: PreflightCheck[] = [], ok = true): PreflightReport {
  return { source: 'orders', checks, decision: { engine, reason: 'test' }, ok };
}

/** Plans and applies `--write` on a source text; returns the plan and the written text. */
function write(text: string, r: PreflightReport, caFile?: string): { plan: WritePlan; text?: string } {
  const source = parseSourceFile(text, FILE);
  const plan = planWrite({ file: FILE, source, report: r, ...(caFile ? { caFile } : {}) });
  return plan.kind === 'write' ? { plan, text: applySourceEdits(text, FILE, plan.edits) } : { plan };
}

describe('planWrite: what --write writes for each decision', () => {
  it.each([
    {
      title: 'poller (PBES2 key), public CA: engine and an empty poller section',
      text: BASE,
      r: report('poller'),
      written: `${BASE}engine: poller\npoller: {}\n`,
      next: [],
    },
    {
      title: 'poller with a small root CA secret: the truststore is that secret',
      text: `${BASE}rootCaSecret: ${arn('kafka/orders/root')}\n`,
      r: report('poller'),
      written: `${BASE}rootCaSecret: ${arn('kafka/orders/root')}\nengine: poller\npoller:\n  truststore: {secret: ${arn('kafka/orders/root')}}\n`,
      next: [],
    },
    {
      title: 'poller for a trust bundle over 65,536 bytes: the truststore bucket and the upload command',
      text: `${BASE}rootCaSecret: ${arn('kafka/orders/root')}\n`,
      r: report('poller', [OVERSIZE]),
      ca: 'certs/bundle.pem',
      written: `${BASE}rootCaSecret: ${arn('kafka/orders/root')}\nengine: poller\npoller:\n  truststore: {s3Key: truststores/orders.pem}\n`,
      next: [
        'npx cdk deploy   # creates the poller and its truststore bucket',
        'kafka-pipes truststore upload orders certs/bundle.pem   # puts the bundle at truststores/orders.pem; the poller reads it from its next run',
      ],
    },
    {
      title: 'poller, existing poller section with a truststore file: kept as it is',
      text: `${BASE}engine: poller\npoller:\n  truststore:\n    file: certs/ca.pem # bundled\n`,
      r: report('poller', [OVERSIZE]),
      written: undefined,
      next: [],
    },
    {
      title: 'pipe for a poller source with a root CA secret: engine pipe, poller section removed',
      text: `${BASE}rootCaSecret: ${arn('kafka/orders/root')}\nengine: poller # was PBES2\npoller:\n  iterations: 2\n`,
      r: report('pipe'),
      written: `${BASE}rootCaSecret: ${arn('kafka/orders/root')}\nengine: pipe # was PBES2\n`,
      next: ['the poller section was removed: a Pipe does not use it'],
    },
  ])('$title', ({ text, r, ca, written, next }) => {
    const { plan, text: out } = write(text, r, ca);
    expect(plan.kind).toBe('write');
    expect(plan.kind === 'write' ? plan.next : undefined).toEqual(next);
    expect(out).toBe(written ?? text);
  });

  it.each([
    {
      title: 'a failed preflight writes nothing',
      text: BASE,
      r: report('pipe', [], false),
      issue: {
        field: 'engine',
        message: 'preflight failed, so neither engine can take the material as it is; nothing written',
        fix: 'fix the ✗ items above and run preflight --write again',
      },
    },
    {
      title: 'a trust bundle over 65,536 bytes in poller.truststore.secret (item 10)',
      text: `${BASE}engine: poller\npoller:\n  truststore:\n    secret: ${arn('kafka/orders/trust')}\n`,
      r: report('poller', [OVERSIZE]),
      issue: {
        field: 'poller.truststore.secret',
        message: 'the trust bundle is over 65,536 bytes, the largest secret Secrets Manager stores',
        fix: 'Secrets Manager refuses a secret over 65,536 bytes: put the bundle in the truststore bucket with kafka-pipes truststore upload orders <bundle.pem> (it sets poller.truststore.s3Key)',
      },
    },
    {
      title: 'a Pipe for a source whose private CA is only in poller.truststore',
      text: `${BASE}engine: poller\npoller:\n  truststore:\n    s3Key: truststores/orders.pem\n`,
      r: report('pipe'),
      issue: {
        field: 'poller.truststore',
        message:
          'a Pipe reads the private root CA from rootCaSecret, and this source keeps it only in poller.truststore',
        fix: 'store the bundle as {"certificate": "<PEM>"} in a Secrets Manager secret, set rootCaSecret to its ARN and run preflight --write again',
      },
    },
  ])('refuses: $title', ({ text, r, issue }) => {
    expect(write(text, r).plan).toEqual({ kind: 'refuse', issue: { file: FILE, ...issue } });
  });

  it('keeps every comment when it changes the engine', () => {
    const text = `${BASE}engine: pipe # chosen by preflight\n`;
    expect(write(text, report('poller')).text).toBe(
      `${text.replace('engine: pipe', 'engine: poller')}poller: {}\n`,
    );
  });

  it('refuses an edit the loader rejects', () => {
    const text = `${BASE}engine: poller\npoller:\n  iterations: 2\n`;
    expect(() => applySourceEdits(text, FILE, [{ path: ['poller', 'iterations'], value: 99 }])).toThrow(
      /poller\.iterations/,
    );
  });
});

describe('secret names in the file: a preflight finding that --write fixes', () => {
  const named = BASE.replace(arn('kafka/orders/client'), 'kafka/orders/client');

  it("warns for each secret given by name or partial ARN, with the synth rule's fix", () => {
    const text = `${named}rootCaSecret: arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/orders/root\n`;
    const source = parseSourceFile(text, FILE, { readOnly: true });
    const checks = secretArnChecks(FILE, source);
    expect(checks.map((c) => [c.id, c.status, c.message.split(';')[0]])).toEqual([
      [
        'secret-full-arn',
        'warn',
        'auth.secret: Secret "kafka/orders/client" is a name, not a Secrets Manager ARN',
      ],
      [
        'secret-full-arn',
        'warn',
        'rootCaSecret: Secret ARN "arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/orders/root" is a partial ARN: its name does not end in the "-" and 6 characters Secrets Manager appends',
      ],
    ]);
    expect(checks[0]?.message).toMatch(/; cdk synth refuses it$/);
    expect(checks[0]?.fix).toBe(
      'run `kafka-pipes preflight orders --write` (writes the full ARN), or set auth.secret to the ARN from `aws secretsmanager describe-secret --secret-id kafka/orders/client --query ARN`',
    );
    expect(secretArnChecks(FILE, parseSourceFile(BASE, FILE))).toEqual([]);
  });

  it('the file with the resolved ARNs written over the names loads as the synth loads it', () => {
    expect(() => parseSourceFile(named, FILE)).toThrow(
      /auth\.secret: Secret "kafka\/orders\/client" is a name/,
    );
    const edits = secretArnEdits({ 'auth.secret': arn('kafka/orders/client') });
    expect(applySourceEdits(named, FILE, edits)).toBe(BASE);
  });
});

describe('runPreflight on kinds the poller cannot read (item 9)', () => {
  let pki: UnitPki;
  beforeAll(() => {
    pki = makeUnitPki();
  });
  afterAll(() => pki.cleanup());

  it.each(['msk', 'msk-serverless'])('a PBES2 key of a %s source fails with the PBES1 command', (kind) => {
    const r = runPreflight({
      sourceName: 'orders',
      kind: kind as 'msk',
      brokers: [],
      authType: 'mtls',
      material: {
        clientCertificate: { text: pki.clientChain, origin: 'secret:c' },
        clientKey: { text: pki.clientKeyPbes2, origin: 'secret:c' },
        clientKeyPassword: pki.keyPassword,
      },
      now: new Date(Date.now() + 60_000),
    });
    expect(r.ok).toBe(false);
    expect(r.decision).toEqual({
      engine: 'pipe',
      reason: `a ${kind} source runs on a Pipe only: fix the ✗ items so a Pipe can take the material`,
    });
    expect(r.checks.find((c) => c.id === 'client-key-format')).toEqual({
      id: 'client-key-format',
      status: 'fail',
      message: 'secret:c: PKCS#8 encrypted with PBES2 (aes-256-cbc), which EventBridge Pipes rejects',
      fix: `a ${kind} source runs on a Pipe only (the poller needs bootstrap brokers): to stay on a Pipe re-encrypt with PBES1: openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in key.pem -out key-pbes1.pem`,
    });
  });
});

describe('the PBES1 command of the fix', () => {
  let pki: UnitPki;
  beforeAll(() => {
    pki = makeUnitPki();
  });
  afterAll(() => pki.cleanup());

  it('turns the PBES2 key into one the preflight passes as PBES1', () => {
    // Arrange: the command as printed, with the passwords given on the command line instead of asked for
    writeFileSync(join(pki.dir, 'key.pem'), pki.clientKeyPbes2);
    const [bin, ...args] = PBES1_COMMAND.split(' ');
    const pass = `pass:${pki.keyPassword}`;
    execFileSync(bin as string, [...args, '-passin', pass, '-passout', pass], { cwd: pki.dir });
    // Act
    const r = runPreflight({
      sourceName: 'orders',
      kind: 'msk',
      brokers: [],
      authType: 'mtls',
      material: {
        clientCertificate: { text: pki.clientChain, origin: 'secret:c' },
        clientKey: { text: readFileSync(join(pki.dir, 'key-pbes1.pem'), 'utf8'), origin: 'secret:c' },
        clientKeyPassword: pki.keyPassword,
      },
      now: new Date(Date.now() + 60_000),
    });
    // Assert
    expect(r.checks.find((c) => c.id === 'client-key-format')).toEqual({
      id: 'client-key-format',
      status: 'pass',
      message: 'secret:c: PKCS#8 encrypted with PBES1 (pbeWithSHAAnd3-KeyTripleDES-CBC)',
    });
    expect(r.decision.engine).toBe('pipe');
  });
});

describe('nothing --write writes fails at synth (property)', () => {
  const sourceText = fc
    .record({
      rootCa: fc.boolean(),
      engine: fc.constantFrom('pipe', 'poller', undefined),
      poller: fc.constantFrom(
        undefined,
        '{}',
        '\n  iterations: 2',
        `\n  truststore:\n    secret: ${arn('kafka/t')}`,
        '\n  truststore:\n    s3Key: k.pem',
        '\n  truststore:\n    file: c.pem',
      ),
    })
    .map(({ rootCa, engine, poller }) => {
      let text = BASE;
      if (rootCa) text += `rootCaSecret: ${arn('kafka/orders/root')}\n`;
      if (engine) text += `engine: ${engine}\n`;
      if (poller) text += `poller: ${poller}\n`;
      return text;
    })
    .filter((text) => validateSourceTexts([{ file: FILE, text }]).issues.length === 0);
  const decision = fc.record({
    engine: fc.constantFrom<'pipe' | 'poller'>('pipe', 'poller'),
    oversize: fc.boolean(),
    ok: fc.boolean(),
    ca: fc.constantFrom(undefined, 'ca.pem'),
  });

  it('every written file loads with zero issues, or the plan refuses with file, field and fix', () => {
    fc.assert(
      fc.property(sourceText, decision, (text, d) => {
        const r = report(d.engine, d.oversize && d.engine === 'poller' ? [OVERSIZE] : [], d.ok);
        const source = parseSourceFile(text, FILE);
        const plan = planWrite({ file: FILE, source, report: r, ...(d.ca ? { caFile: d.ca } : {}) });
        if (plan.kind === 'refuse') {
          expect(plan.issue.file).toBe(FILE);
          expect(plan.issue.fix.length).toBeGreaterThan(0);
          return;
        }
        const written = applySourceEdits(text, FILE, plan.edits);
        expect(validateSourceTexts([{ file: FILE, text: written }]).issues).toEqual([]);
        expect(parseSourceFile(written, FILE).engine).toBe(d.engine);
      }),
      { numRuns: 300 },
    );
  });
});
