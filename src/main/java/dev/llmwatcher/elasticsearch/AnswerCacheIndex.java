package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import dev.llmwatcher.cache.AnswerCache;
import dev.llmwatcher.cache.CacheEntry;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The answer cache as the queue store reads it and writes it beside the results: {@link ElasticsearchAnswerCache},
 * or {@link #NONE} when the answer cache is off, which holds nothing and writes nothing.
 */
interface AnswerCacheIndex extends AnswerCache {

    AnswerCacheIndex NONE = new AnswerCacheIndex() {
        @Override
        public Map<CacheKey, CachedAnswer> lookup(Collection<CacheKey> keys) {
            return Map.of();
        }

        @Override
        public List<BulkOperation> writeOperations(Collection<CacheEntry> entries) {
            return List.of();
        }
    };

    /** The bulk operations that store {@code entries}, one per question, to go in the bulk of their results. */
    List<BulkOperation> writeOperations(Collection<CacheEntry> entries);
}
