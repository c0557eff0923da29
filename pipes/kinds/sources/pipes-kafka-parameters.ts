/**
 * The Pipes API's patterns for the Kafka source parameters every source kind sends: `TopicName` (1–249
 * characters, pattern `[^.]([a-zA-Z0-9\-_.]+)`) and `ConsumerGroupID` (1–200 characters, pattern
 * `[a-zA-Z0-9-\/*:_+=.@-]*`), the same in PipeSourceSelfManagedKafkaParameters and
 * PipeSourceManagedStreamingKafkaParameters. The source-file schema is stricter for both; these rules also
 * cover props that did not come through it (the `KafkaPipe` construct). Each kind module makes its own
 * rules with its ids and page ({@link pipeParameterRules}).
 */
import type { SourceConfig } from '../../source-schema.js';
import { ruleIssue } from '../rule-helpers.js';
import type { ServiceRule } from '../types.js';

/** The Pipes TopicName pattern: a first character other than ".", then one or more of `[a-zA-Z0-9-_.]`. */
const TOPIC_NAME = /^[^.][a-zA-Z0-9\-_.]+$/;
const TOPIC_NAME_MAX = 249;
/** The Pipes ConsumerGroupID pattern. */
const CONSUMER_GROUP_ID = /^[a-zA-Z0-9\-/*:_+=.@]*$/;
const CONSUMER_GROUP_ID_MAX = 200;

/** Why a topic name breaks the Pipes TopicName pattern or length, or undefined when it does not. */
function topicNameProblem(topic: string): string | undefined {
  if (topic.startsWith('.'))
    return 'starts with "."; the Pipes TopicName pattern refuses a first character "."';
  if (topic.length > TOPIC_NAME_MAX) {
    return `has ${topic.length} characters; the Pipes TopicName takes at most ${TOPIC_NAME_MAX}`;
  }
  if (topic.length < 2) {
    return 'has 1 character; the Pipes TopicName pattern needs a first character and at least one more';
  }
  if (!TOPIC_NAME.test(topic)) {
    return 'has characters the Pipes TopicName pattern refuses (after the first: letters, digits, ".", "_", "-")';
  }
  return undefined;
}

/**
 * The TopicName and ConsumerGroupID rules of a kind (`<idPrefix>-topic-name`, `<idPrefix>-consumer-group-id`),
 * for the sources a Pipe reads (`engine: pipe`; the poller is a Kafka client of its own), citing `doc`.
 */
export function pipeParameterRules(o: { idPrefix: string; doc: string; topicFix: string }): ServiceRule[] {
  const applies = (source: SourceConfig) => source.engine === 'pipe';
  return [
    topicNameRule({ id: `${o.idPrefix}-topic-name`, doc: o.doc, applies, fix: o.topicFix }),
    consumerGroupIdRule({ id: `${o.idPrefix}-consumer-group-id`, doc: o.doc, applies }),
  ];
}

/**
 * The TopicName rule of a kind: applies to the sources `applies` selects (those a Pipe reads), fix `fix`.
 */
function topicNameRule(o: {
  id: string;
  doc: string;
  applies: (source: SourceConfig) => boolean;
  fix: string;
}): ServiceRule {
  return {
    id: o.id,
    doc: o.doc,
    check: (source, context) => {
      const problem = o.applies(source) ? topicNameProblem(source.topic) : undefined;
      return problem ? [ruleIssue(context, 'topic', `Topic "${source.topic}" ${problem}`, o.fix)] : [];
    },
  };
}

/** The ConsumerGroupID rule of a kind (the id the Pipe uses: `consumerGroupId`, or its default). */
function consumerGroupIdRule(o: {
  id: string;
  doc: string;
  applies: (source: SourceConfig) => boolean;
}): ServiceRule {
  return {
    id: o.id,
    doc: o.doc,
    check: (source, context) => {
      const id = source.consumerGroupId;
      if (!o.applies(source)) return [];
      const problem =
        id.length < 1 || id.length > CONSUMER_GROUP_ID_MAX
          ? `has ${id.length} characters; the Pipes ConsumerGroupID takes 1 to ${CONSUMER_GROUP_ID_MAX}`
          : CONSUMER_GROUP_ID.test(id)
            ? undefined
            : 'has characters the Pipes ConsumerGroupID pattern refuses (letters, digits and - / * : _ + = . @ only)';
      return problem
        ? [
            ruleIssue(
              context,
              'consumerGroupId',
              `Consumer group "${id}" ${problem}`,
              `set consumerGroupId to 1-${CONSUMER_GROUP_ID_MAX} letters, digits, ".", "_", ":" or "-"`,
            ),
          ]
        : [];
    },
  };
}
