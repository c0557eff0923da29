import type { ConfigIssue } from '../core/errors.js';
import { type CompiledRules, compileRules } from './rules/compile.js';
import type { Rules } from './rules/schema.js';
import { selectRules } from './rules/select.js';
import { validateRules } from './rules/validate.js';

/** Logger port of the rules loader (Powertools Logger fits). */
export interface RulesLoaderLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Ports of {@link createRulesLoader}. */
export interface RulesLoaderPorts {
  /** The bundled rules (the fallback and the first "last good" rules). */
  readonly bundled: Rules;
  /**
   * Fetches the current rules document (e.g. AppConfig through Powertools Parameters, which caches
   * for the TTL). Absent when rules are not delivered by AppConfig. May throw on infrastructure faults.
   */
  readonly fetchDocument?: () => Promise<unknown>;
  /** Name shown as `file` in validation issues, e.g. `appconfig:app/env/profile`. */
  readonly documentName?: string;
  /** Resolves the HMAC key named by `hmacKey.secretName` (Secrets Manager, cached). */
  readonly resolveHmacKey?: (secretName: string) => Promise<string>;
  readonly logger: RulesLoaderLogger;
}

/** Keeps the rules in force: the bundled ones until a valid AppConfig document replaces them. */
export interface RulesLoader {
  /** Returns the rules to use for this batch; never throws (falls back to the last good rules). */
  current(): Promise<CompiledRules>;
}

async function keyFor(
  rules: Rules,
  resolve: RulesLoaderPorts['resolveHmacKey'],
): Promise<string | undefined> {
  if (rules.hmacKey === undefined) return undefined;
  if (resolve === undefined) throw new Error(`no way to read HMAC key secret ${rules.hmacKey.secretName}`);
  return resolve(rules.hmacKey.secretName);
}

function issueSummary(issues: readonly ConfigIssue[]): string[] {
  return issues.map((i) => `${i.field}: ${i.message}. Fix: ${i.fix}`);
}

/**
 * Creates the rules loader. A document that fails validation (or whose HMAC key cannot be read) is
 * refused: the last good rules stay in force and the reasons are logged once per distinct document.
 * A fetch failure keeps the last good rules too (logged), so AppConfig trouble never stops ingestion.
 */
export async function createRulesLoader(ports: RulesLoaderPorts): Promise<RulesLoader> {
  const { logger } = ports;
  const file = ports.documentName ?? 'appconfig';
  let lastGood = compileRules(ports.bundled, { hmacKey: await keyFor(ports.bundled, ports.resolveHmacKey) });
  let lastSeen: string | null = null;
  return {
    async current() {
      if (ports.fetchDocument === undefined) return lastGood;
      let doc: unknown;
      try {
        doc = await ports.fetchDocument();
      } catch (err) {
        logger.warn('rules fetch failed, keeping last good rules', {
          ruleVersion: lastGood.ruleVersion,
          error: (err as Error).message,
        });
        return lastGood;
      }
      if (doc === undefined || doc === null || doc === '') return lastGood;
      const text = JSON.stringify(doc);
      if (text === lastSeen) return lastGood;
      lastSeen = text;
      let hmacKey: string | undefined;
      const { rules, issues } = validateRules(doc, file);
      if (rules !== null) {
        try {
          hmacKey = await keyFor(rules, ports.resolveHmacKey);
        } catch (err) {
          logger.error('rules refused, keeping last good rules', {
            ruleVersion: lastGood.ruleVersion,
            issues: [`hmacKey.secretName: cannot read the HMAC key: ${(err as Error).message}`],
          });
          return lastGood;
        }
      }
      const selection =
        rules === null
          ? { status: 'refused' as const, rules: lastGood, issues }
          : selectRules({ doc, file }, lastGood, { hmacKey });
      if (selection.status === 'refused') {
        logger.error('rules refused, keeping last good rules', {
          ruleVersion: lastGood.ruleVersion,
          issues: issueSummary(selection.issues),
        });
        return lastGood;
      }
      if (selection.status === 'updated') {
        logger.info('rules updated', { from: lastGood.ruleVersion, to: selection.rules.ruleVersion });
        lastGood = selection.rules;
      }
      return lastGood;
    },
  };
}
