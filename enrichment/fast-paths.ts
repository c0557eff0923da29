/**
 * Switches of the enrichment's fast paths, all on in production. Each fast path sits behind the same
 * interface as its plain twin and returns exactly what the plain one returns (fast-check property tests:
 * compiled JMESPath in test/unit/enrichment/jmespath-fast.test.ts, the shape cache in normalize.test.ts;
 * the poller's direct path, enrich-kafka-records.ts, in enrich-kafka-records.test.ts). The enrichment
 * benchmark (bench/enrichment.bench.ts) turns one off at a time and reports what it gains on the whole
 * enrichment against a 10% target. A hand-written check of the Pipes event that let valid events skip
 * zod gained less and was removed.
 */
export const FAST_PATHS = {
  /**
   * Rule and partition-key expressions of the common subset compiled to closures (jmespath-fast.ts).
   * Its gain measures under the 10% target (about 5% of CPU time), but without it the bench's
   * enrich / parse+stringify ratio drops by about 7%, and that ratio must not drop: kept for now.
   */
  compiledJmespath: true,
  /** The canonical `api` object copied from a cached template of its key sequence (normalize.ts). */
  shapeCache: true,
};
