package dev.llmwatcher.queue;

import dev.llmwatcher.cache.CacheEntry;

import java.util.Map;
import java.util.Optional;

/**
 * A document whose answer is ready to be stored: {@code result} (user fields merged with the answer, without
 * {@code _llm_watcher}) goes to {@code targetIndex} under the queue document's {@code _id}. {@code cacheEntry} is
 * the answer to keep in the answer cache, written in the same bulk as the result: present only for an answer that
 * was paid for in this pass and interpreted without error or dropped field.
 */
public record CompletedDocument(QueuedDocument queued, String targetIndex, Map<String, Object> result,
                                Optional<CacheEntry> cacheEntry) {

    public CompletedDocument(QueuedDocument queued, String targetIndex, Map<String, Object> result) {
        this(queued, targetIndex, result, Optional.empty());
    }

    /** The same result for {@code claimed}: its queue document at the version a claim gave it. */
    public CompletedDocument claimedAs(QueuedDocument claimed) {
        return new CompletedDocument(claimed, targetIndex, result, cacheEntry);
    }

    /** The same result, carrying {@code entry} to the answer cache. */
    public CompletedDocument caching(CacheEntry entry) {
        return new CompletedDocument(queued, targetIndex, result, Optional.of(entry));
    }
}
