/**
 * The schemas a registry-framed format has compiled, by schema id: bounded, least recently used first
 * out. One cache per format instance, so per Lambda container and per poller invocation's warm container.
 *
 * Entries fetched for the batch being prepared are never evicted before that batch is decoded: the cache
 * trims to its bound at the start of the next `prepare` (format.ts), so a batch with more distinct ids
 * than the bound still decodes every record it prepared.
 */
import type { PayloadDecoder } from './schema-types.js';

/** What the cache knows of one id: its decoder, or why it has none (unknown id, unreadable schema). */
export type CachedSchema =
  | { readonly ok: true; readonly decode: PayloadDecoder }
  | { readonly ok: false; readonly reason: string; readonly until: number };

/** Schema ids kept at most (a few hundred schema versions per source is already unusual). */
export const SCHEMA_CACHE_MAX_ENTRIES = 500;
/** How long an unknown id is remembered before the registry is asked again (a schema registered late). */
export const UNKNOWN_SCHEMA_TTL_MS = 60_000;

/** A bounded map of schema id → compiled schema. */
export class SchemaCache {
  private readonly entries = new Map<string, CachedSchema>();

  constructor(
    private readonly maxEntries = SCHEMA_CACHE_MAX_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  /** The entry of `id` (a negative entry only while it is fresh), marking it recently used. */
  get(id: string): CachedSchema | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (!entry.ok && entry.until <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry;
  }

  /** Stores an entry (no eviction here: see {@link trim}). */
  set(id: string, entry: CachedSchema): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
  }

  /** A negative entry for `id`, remembered for {@link UNKNOWN_SCHEMA_TTL_MS}. */
  refuse(id: string, reason: string): void {
    this.set(id, { ok: false, reason, until: this.now() + UNKNOWN_SCHEMA_TTL_MS });
  }

  /** Evicts the least recently used entries beyond the bound (called before a batch is prepared). */
  trim(): void {
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return;
      this.entries.delete(id);
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }
}
