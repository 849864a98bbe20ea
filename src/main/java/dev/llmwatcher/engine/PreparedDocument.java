package dev.llmwatcher.engine;

import dev.llmwatcher.answer.FormatSpec;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.queue.QueuedDocument;

import java.util.Optional;

/**
 * A queue document checked and ready for its LLM call: everything that can fail without paying for a call has
 * been done. The dry run shows exactly this.
 *
 * @param cacheKey its question's answer-cache key once it was worked out (a SHA-256 over the whole prompt, about
 *                 75 us for a 5 KB prompt with C1), so the look-up and the call share one computation
 */
public record PreparedDocument(QueuedDocument document, Instructions instructions, FormatSpec format,
                               String prompt, Optional<CacheKey> cacheKey) {

    public PreparedDocument(QueuedDocument document, Instructions instructions, FormatSpec format, String prompt) {
        this(document, instructions, format, prompt, Optional.empty());
    }

    /** The same document, carrying its question's key. */
    public PreparedDocument withCacheKey(CacheKey key) {
        return new PreparedDocument(document, instructions, format, prompt, Optional.of(key));
    }
}
