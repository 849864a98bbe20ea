package dev.llmwatcher.cache;

import java.util.Collection;
import java.util.Map;

/**
 * The answers already paid for, by question, as the engine sees them. Answers are written with the write-back of
 * the results they answered (see {@link dev.llmwatcher.queue.CompletedDocument#cacheEntry()}), so storing one costs no
 * request of its own; looking up is one request for many keys.
 */
public interface AnswerCache {

    /**
     * The stored answers of those {@code keys} the cache holds, in one request; keys it does not hold are absent.
     *
     * @throws dev.llmwatcher.queue.QueueUnavailableException when the store cannot be used at all
     */
    Map<CacheKey, CachedAnswer> lookup(Collection<CacheKey> keys);
}
