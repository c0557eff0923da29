/**
 * Runtime-safe public API of the source catalogue (no aws-cdk-lib): schema, loader, rules, replacement
 * diff. The constructs live in `*.construct.ts` and are imported directly by infra/.
 */
export {
  DEFAULT_SOURCES_DIR,
  didYouMean,
  type LoadedSource,
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
export { AUTH_BY_KIND, checkCatalogueRules, checkSourceRules, formatValue } from './source-rules.js';
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
