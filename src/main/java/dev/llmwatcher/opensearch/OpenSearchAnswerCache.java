package dev.llmwatcher.opensearch;

import dev.llmwatcher.cache.CacheMaintenance;
import dev.llmwatcher.cache.AnswerCache;
import dev.llmwatcher.cache.CacheEntry;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.store.CacheDocuments;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.MgetResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.get.GetResult;
import org.opensearch.client.opensearch.core.mget.MultiGetResponseItem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer cache in an OpenSearch index of ours ({@link CacheDocuments}: one document per question): look-ups are
 * one real-time multi-get by id; answers are written by {@link OpenSearchQueueStore} in the bulk that stores their
 * results, into an index created with the shipped mappings on first write. Maintenance ({@link #size},
 * {@link #dropAnsweredBefore}, {@link #clear}) scans with a point in time and deletes in bulk.
 */
public final class OpenSearchAnswerCache implements AnswerCache, CacheMaintenance {

    private static final int PAGE = 1000;

    private final OpenSearchClient client;
    private final OpenSearchFailures failures;
    private final String index;
    private volatile boolean indexChecked;

    public OpenSearchAnswerCache(OpenSearchClient client, OpenSearchFailures failures, String index) {
        this.client = client;
        this.failures = failures;
        this.index = index;
    }

    public String index() {
        return index;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Map<CacheKey, CachedAnswer> lookup(Collection<CacheKey> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<String, CacheKey> byId = new LinkedHashMap<>();
        keys.forEach(key -> byId.put(key.hex(), key));
        MgetResponse<Map> response;
        try {
            response = client.mget(m -> m.index(index).ids(List.copyOf(byId.keySet())), Map.class);
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return Map.of();
            }
            throw failures.unavailable("look answers up in the answer cache " + index, e);
        }
        Map<CacheKey, CachedAnswer> found = new HashMap<>();
        for (MultiGetResponseItem<Map> item : response.docs()) {
            if (!item.isResult()) {
                continue;
            }
            GetResult<Map> result = item.result();
            if (result.found() && result.source() != null && byId.containsKey(result.id())) {
                CacheDocuments.answer(result.source()).ifPresent(answer -> found.put(byId.get(result.id()), answer));
            }
        }
        return found;
    }

    /** The bulk operations that store {@code entries}, one per question, after making sure the index exists. */
    List<BulkOperation> writeOperations(Collection<CacheEntry> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        ensureIndex();
        return entries.stream().map(entry -> BulkOperation.of(b -> b.index(o -> o.index(index).id(entry.key().hex())
                .document(CacheDocuments.source(entry))))).toList();
    }

    /** Creates the index with the shipped mappings unless it exists (once per cache; a race with another is fine). */
    private void ensureIndex() {
        if (indexChecked) {
            return;
        }
        try {
            if (!client.indices().exists(e -> e.index(index)).value()) {
                Map<String, Object> template = template();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("settings", template.get("settings"));
                body.put("mappings", template.get("mappings"));
                new RawRequests(client, failures).send("PUT", "/" + index, body, "create the answer cache index "
                        + index, 400);
            }
            indexChecked = true;
        } catch (IOException e) {
            throw failures.unavailable("create the answer cache index " + index, e);
        }
    }

    /** The shipped index template's {@code template} part: settings and mappings. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> template() {
        return (Map<String, Object>) shipped().get("template");
    }

    static Map<String, Object> shipped() {
        try (var in = OpenSearchAnswerCache.class.getResourceAsStream(CacheDocuments.RESOURCE)) {
            return JsonCodec.readObject(Objects.requireNonNull(in, CacheDocuments.RESOURCE).readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Entries in the cache (after a refresh); 0 when it does not exist yet. */
    public long size() {
        try {
            client.indices().refresh(r -> r.index(index).ignoreUnavailable(true).allowNoIndices(true));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("count the entries of the answer cache " + index, e);
        }
        RawRequests.Answer answer = new RawRequests(client, failures).send("POST", "/" + index + "/_count",
                Map.of("query", QueueQueries.matchAll()), "count the entries of the answer cache " + index, 404);
        return answer.status() == 404 ? 0 : answer.json().get("count") instanceof Number n ? n.longValue() : 0;
    }

    /** Deletes every entry; returns how many. */
    public long clear() {
        return deleteMatching(QueueQueries.matchAll());
    }

    /** Deletes the entries answered before {@code cutoff} (and any without a time); returns how many. */
    public long dropAnsweredBefore(Instant cutoff) {
        return deleteMatching(QueueQueries.not(QueueQueries.range(CacheDocuments.ANSWERED_AT, "gte",
                QueueQueries.iso(cutoff))));
    }

    private long deleteMatching(Map<String, Object> query) {
        Pit pit;
        try {
            client.indices().refresh(r -> r.index(index));
            pit = Pit.open(client, new RawRequests(client, failures), index, "2m");
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("scan the answer cache " + index, e);
        }
        long deleted = 0;
        try (pit) {
            while (true) {
                List<QueuedDocument> page = pit.next(query, List.of(QueueQueries.SHARD_DOC_ORDER), PAGE, false, false)
                        .documents();
                if (page.isEmpty()) {
                    return deleted;
                }
                List<BulkOperation> deletes = page.stream().map(entry -> BulkOperation.of(b -> b.delete(
                        d -> d.index(index).id(entry.id())))).toList();
                deleted += client.bulk(b -> b.operations(deletes)).items().stream()
                        .filter(item -> item.error() == null).count();
            }
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("delete entries of the answer cache " + index, e);
        }
    }
}
