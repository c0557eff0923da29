import * as z from 'zod/mini';
import '../zod.js';

/** Roots a rule may write to. Kafka coordinates, eventId and the schema fields are read-only. */
export const WRITABLE_ROOTS = ['api', 'extra', 'attributes', 'kafka.headers'] as const;

const FIELD_PATH_PATTERN = /^(?:api|extra|attributes|kafka\.headers)(?:\.[A-Za-z0-9_@$-]+)+$/;
/** Message for a bad field path (asserted by tests; keep stable). */
export const FIELD_PATH_MESSAGE =
  'must be a dotted path under api., extra., attributes. or kafka.headers. (e.g. api.client_ip)';
const NAME_PATTERN = /^[A-Za-z0-9:_.-]{1,64}$/;
const NAME_MESSAGE = 'must be 1–64 characters [A-Za-z0-9:_.-]';

const fieldPath = z.string().check(z.regex(FIELD_PATH_PATTERN, FIELD_PATH_MESSAGE));
const expression = z.string().check(z.minLength(1, 'must be a non-empty JMESPath expression'));
const opId = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 characters [A-Za-z0-9_.-]'));

const common = {
  /** Name shown in per-rule counts; defaults to `<index>-<op>`. */
  id: z.optional(opId),
  /** JMESPath condition over the record; the operation runs only when it is truthy. */
  when: z.optional(expression),
};

/**
 * `rename` moves a field (no-op when the field is absent).
 * @example
 * - op: rename
 *   from: api.app_name
 *   to: attributes.application
 */
export const renameOp = z.strictObject({
  op: z.literal('rename'),
  ...common,
  from: fieldPath,
  to: fieldPath,
});

/**
 * `set` writes a literal `value`, or the result of a JMESPath `expr` over the record (derive).
 * @example
 * - op: set
 *   field: attributes.is_error
 *   expr: "api.status.code >= `500`"
 */
export const setOp = z
  .strictObject({
    op: z.literal('set'),
    ...common,
    field: fieldPath,
    value: z.optional(z.json()),
    expr: z.optional(expression),
  })
  .check(
    z.refine((o) => (o.value === undefined) !== (o.expr === undefined), {
      message: 'needs exactly one of value or expr',
      path: ['value'],
    }),
  );

/**
 * `remove` deletes a field.
 * @example
 * - op: remove
 *   field: api.request_body
 */
export const removeOp = z.strictObject({ op: z.literal('remove'), ...common, field: fieldPath });

/**
 * `redact` hides a field: `mask` replaces it with `mask` text (default `****`, optionally keeping the
 * last `keepLast` characters of a string); `hash` replaces it with the hex HMAC-SHA256 of its text
 * under the key read from the secret named by the top-level `hmacKey` (never inline).
 * @example
 * - op: redact
 *   field: api.client_ip
 *   mode: hash
 */
export const redactOp = z.strictObject({
  op: z.literal('redact'),
  ...common,
  field: fieldPath,
  mode: z.enum(['mask', 'hash']),
  mask: z.optional(z.string().check(z.maxLength(64))),
  keepLast: z.optional(z.int().check(z.minimum(0), z.maximum(8))),
});

/**
 * `drop` discards the record (counted as DroppedByRule, sent nowhere) when `when` holds.
 * @example
 * - op: drop
 *   when: "api.api_name == 'healthcheck'"
 */
export const dropOp = z.strictObject({ op: z.literal('drop'), id: z.optional(opId), when: expression });

/**
 * `tag` adds a tag to `tags` (once).
 * @example
 * - op: tag
 *   tag: server-error
 *   when: "api.status.code >= `500`"
 */
export const tagOp = z.strictObject({
  op: z.literal('tag'),
  ...common,
  tag: z.string().check(z.regex(NAME_PATTERN, NAME_MESSAGE)),
});

/**
 * `route` sets `route` (the last matching route wins); consumers split the stream on it.
 * @example
 * - op: route
 *   route: errors
 *   when: "api.status.code >= `400`"
 */
export const routeOp = z.strictObject({
  op: z.literal('route'),
  ...common,
  route: z.string().check(z.regex(NAME_PATTERN, NAME_MESSAGE)),
});

/** One rule operation. */
export const operationSchema = z.discriminatedUnion('op', [
  renameOp,
  setOp,
  removeOp,
  redactOp,
  dropOp,
  tagOp,
  routeOp,
]);

/** The operation kinds, in documentation order. */
export const OPERATION_KINDS = ['rename', 'set', 'remove', 'redact', 'drop', 'tag', 'route'] as const;

/** A rules document (YAML or JSON). */
export const rulesSchema = z.strictObject({
  /** Rules name, part of `ruleVersion`. */
  name: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes')),
  /** Version you bump on each edit, part of `ruleVersion`. */
  version: z
    .string()
    .check(z.regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'must be a semantic version like 1.0.0')),
  description: z.optional(z.string()),
  /** Where the HMAC key for `redact` with `mode: hash` comes from (never inline). */
  hmacKey: z.optional(z.strictObject({ secretName: z.string().check(z.minLength(1)) })),
  operations: z.array(operationSchema).check(z.maxLength(200)),
});

/** A validated rules document. */
export type Rules = z.infer<typeof rulesSchema>;
/** A validated rule operation. */
export type RuleOperation = z.infer<typeof operationSchema>;
