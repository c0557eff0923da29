/**
 * Switches of the enrichment's fast paths, all on in production. Each fast path sits behind the same
 * interface as its plain twin and returns exactly what the plain one returns (fast-check property tests:
 * the shape cache in test/unit/enrichment/normalize.test.ts; the poller's direct path,
 * enrich-kafka-records.ts, in enrich-kafka-records.test.ts). The enrichment benchmark
 * (bench/enrichment.bench.ts) turns one off at a time and reports what it gains on the whole enrichment
 * against a 10% target. Two fast paths gained less and were removed: a hand-written check of the Pipes
 * event that let valid events skip zod, and rule expressions of a common JMESPath subset compiled to
 * closures (about 5% on a quiet machine: every expression now runs through Powertools JMESPath).
 */
export const FAST_PATHS = {
  /** The canonical `api` object copied from a cached template of its key sequence (normalize.ts). */
  shapeCache: true,
};
