/**
 * AWS service rules every schema format shares (each SchemaLanguage lists them in its `rules`).
 */
import { ruleIssue } from '../../pipes/kinds/rule-helpers.js';
import type { ServiceRule } from '../../pipes/kinds/types.js';

/**
 * EventBridge Pipes evaluates a filter's `value` pattern against the record value parsed as JSON; a
 * value that is not JSON (Avro, Protobuf: binary after the registry framing) matches no `value` pattern,
 * so every record would be filtered out before the enrichment decodes it.
 */
export const valueFilterRule: ServiceRule = {
  id: 'schema-format-value-filter',
  doc: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html',
  check: (source, context) =>
    source.engine === 'pipe' && source.value !== undefined && source.value.format !== 'json'
      ? (source.filters ?? []).flatMap((filter, index) =>
          filter.value === undefined
            ? []
            : [
                ruleIssue(
                  context,
                  `filters[${index}].value`,
                  `A value pattern never matches a ${source.value?.format} value: EventBridge Pipes filters on the value only when it is JSON, so the Pipe would drop every record`,
                  'remove the value pattern (filter on key, or drop records with a rule: docs/rules.md)',
                ),
              ],
        )
      : [],
};
