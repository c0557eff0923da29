/**
 * Switches of the enrichment's fast paths, all on in production. Each fast path sits behind the same
 * interface as its plain twin and returns exactly what the plain one returns (fast-check property tests:
 * compiled JMESPath in test/unit/enrichment/jmespath-fast.test.ts, the shape cache in normalize.test.ts;
 * the poller's direct path, enrich-kafka-records.ts, in enrich-kafka-records.test.ts). The enrichment
 * benchmark (bench/enrichment.bench.ts) turns one off at a time and reports what it gains on the whole
 * enrichment against a 10% target.
 */
export const FAST_PATHS = {
  /** Rule and partition-key expressions of the common subset compiled to closures (jmespath-fast.ts). */
  compiledJmespath: true,
  /** The canonical `api` object copied from a cached template of its key sequence (normalize.ts). */
  shapeCache: true,
};
