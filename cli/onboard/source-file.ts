/**
 * The source file `onboard` writes, built from the flat answers (pure): nested fields, lists split on commas,
 * numbers parsed, the YAML text with its schema hint, and the commands to run next.
 */
import { Document } from 'yaml';
import { findAuthKind } from '../../pipes/kinds/registry.js';
import type { Answers } from './questions.js';

const LIST_FIELDS = new Set(['brokers', 'vpc.subnetIds', 'vpc.securityGroupIds']);
const NUMBER_FIELDS = new Set([
  'batchSize',
  'batchingWindowSeconds',
  'target.shards',
  'target.retryAttempts',
]);

/** Turns a flat answer into the YAML value: lists split on commas, numbers parsed (else kept as text). */
function toValue(field: string, text: string): unknown {
  if (LIST_FIELDS.has(field)) {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (NUMBER_FIELDS.has(field) && /^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  return text;
}

/** The `poller.truststore` object an answer names: `s3:<key>`, `secret:<ref>` or `file:<path>`. */
const TRUSTSTORE_FORMS: Readonly<Record<string, string>> = { s3: 's3Key', secret: 'secret', file: 'file' };

/**
 * `poller.truststore` from its answer; an answer in no known form stays text, which the loader refuses
 * naming the field (so onboard asks again).
 */
export function truststoreValue(text: string): unknown {
  const match = /^(s3|secret|file):(.+)$/.exec(text.trim());
  if (!match) return text;
  const key = TRUSTSTORE_FORMS[match[1] as string] as string;
  return { [key]: (match[2] as string).trim() };
}

/**
 * Builds the source object (nested) from flat answers, leaving out empty optional answers; an
 * `engine: poller` source gets its `poller` section (`poller: {}` when no poller answer was given).
 */
export function buildSourceObject(answers: Answers): Record<string, unknown> {
  const out: Record<string, unknown> = answers.engine === 'poller' ? { poller: {} } : {};
  for (const [field, text] of Object.entries(answers)) {
    if (text === undefined || text === '') continue;
    if (field === 'poller.truststore') {
      out.poller = { ...(out.poller as object), truststore: truststoreValue(text) };
      continue;
    }
    const path = field.split('.');
    let node = out;
    for (const seg of path.slice(0, -1)) {
      node[seg] = (node[seg] as Record<string, unknown> | undefined) ?? {};
      node = node[seg] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = toValue(field, text);
  }
  return out;
}

/** Renders the source file with a header comment (schema hint for editors). */
export function renderSourceYaml(obj: Record<string, unknown>): string {
  const doc = new Document(obj);
  doc.commentBefore =
    ' yaml-language-server: $schema=../source.schema.json\n Written by `kafka-pipes onboard`; reference: docs/sources.md';
  return doc.toString({ lineWidth: 0 });
}

/** Next commands to run after writing a source. */
export function nextCommands(obj: Record<string, unknown>): string[] {
  const auth = findAuthKind((obj.auth as { type?: string } | undefined)?.type);
  const certificates = auth?.secret?.material === 'client-certificate' || obj.rootCaSecret !== undefined;
  return [
    ...(certificates
      ? [`kafka-pipes preflight ${obj.name} --write   # checks the certificates and picks pipe or poller`]
      : []),
    `kafka-pipes check ${obj.name}   # connects to the cluster step by step`,
    'npx cdk synth   # validates the whole catalogue and synthesizes the stack',
    'npx cdk deploy',
  ];
}
