package dev.llmwatcher.cache;

/** One answer to store in the cache under its question's key, written with the result it answered. */
public record CacheEntry(CacheKey key, CachedAnswer answer) {
}
