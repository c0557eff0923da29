/**
 * Runtime-safe public API of the source catalogue (no aws-cdk-lib): schema, loader, rules, replacement
 * diff, and the kind registry (`pipes/kinds/registry.ts`). The constructs live in `*.construct.ts` and
 * are imported directly by infra/.
 */

export {
  AUTH_BY_KIND,
  AUTH_KINDS,
  authKind,
  CLIENT_AUTH_KINDS,
  checkServiceRules,
  clientAuthOf,
  findAuthKind,
  findSourceKind,
  findTargetKind,
  type KafkaClientSettings,
  kafkaClientSettings,
  SOURCE_KIND_MODULES,
  serviceRulesOf,
  sourceKind,
  TARGET_KINDS,
  TARGET_TYPES,
  type TargetType,
  targetKind,
} from './kinds/registry.js';
export type {
  AuthKind,
  GrantSpec,
  KafkaClientAuth,
  RuleContext,
  SecretFieldReader,
  ServiceRule,
  SourceKindModule,
  TargetKind,
} from './kinds/types.js';
export {
  DEFAULT_SOURCES_DIR,
  didYouMean,
  type LoadedSource,
  type LoadOptions,
  listSourceFiles,
  loadSourceEntries,
  loadSources,
  parseSourceFile,
  type SourceText,
  type ValidationResult,
  validateSourceTexts,
} from './load-sources.js';
export {
  diffReplacementFields,
  formatReplacementWarning,
  type ReplacementChange,
  type ReplacementSnapshot,
  replacementSnapshot,
} from './replacement-fields.js';
export { isFullSecretArn, type SecretRef, secretArnRule, secretRefsOf } from './secret-refs.js';
export { checkCatalogueRules, checkSourceRules, formatValue } from './source-rules.js';
export {
  AUTH_TYPES,
  type AuthType,
  DEFAULTS,
  defaultConsumerGroupId,
  LIMITS,
  type PartitionKeySpec,
  type PollerConfig,
  REPLACEMENT_FIELDS,
  type ReplacementField,
  SOURCE_KINDS,
  type SourceAuth,
  type SourceConfig,
  type SourceFileInput,
  type SourceKind,
  type SourceTarget,
  sourceFileSchema,
  sourceJsonSchema,
  toPartitionKeySpec,
} from './source-schema.js';
