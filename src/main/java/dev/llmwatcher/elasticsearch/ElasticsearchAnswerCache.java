package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.get.GetResult;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import dev.llmwatcher.cache.CacheMaintenance;
import dev.llmwatcher.cache.CacheEntry;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.store.IndexTemplates;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.store.CacheDocuments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The answer cache in an Elasticsearch index of ours: one document per question, its {@code _id} the question's
 * key (SHA-256 hex), holding the raw answer (kept in {@code _source}, not indexed), its tokens, the model and when
 * it answered. Look-ups are one multi-get by id (real-time: an answer written a moment ago is found without a
 * refresh); answers are written by {@link ElasticsearchQueueStore} in the bulk that stores their results.
 *
 * <p>The index is created with the shipped mappings ({@code llm-watcher/answer-cache-index-template.json}) on first
 * use if it is missing, beside the pass (see {@link #prepareIndex}); two runs creating it at the same moment are both
 * fine. {@code setup} also installs the same
 * mappings as an index template, so an index created by any other route (a bulk write after the index was deleted)
 * gets them too. The maintenance operations ({@link #size}, {@link #dropAnsweredBefore}, {@link #clear}) scan with a
 * point in time and delete in bulk: the test cluster has no delete-by-query.
 */
public final class ElasticsearchAnswerCache implements AnswerCacheIndex, CacheMaintenance {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchAnswerCache.class);

    public static final String DEFAULT_INDEX = "llm-watcher-answer-cache";
    static final String RESOURCE = "/llm-watcher/answer-cache-index-template.json";
    private static final int PAGE = 1000;

    private final ElasticsearchClient client;
    private final ElasticsearchFailures failures;
    private final String index;
    /** The first use's check that the index exists (creating it if not); started once, beside the pass. */
    private final AtomicReference<CompletableFuture<Void>> indexReady = new AtomicReference<>();

    public ElasticsearchAnswerCache(ElasticsearchClient client, ElasticsearchFailures failures, String index) {
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
        prepareIndex();
        Map<String, CacheKey> byId = new LinkedHashMap<>();
        keys.forEach(key -> byId.put(key.hex(), key));
        MgetResponse<Map> response;
        try {
            response = client.mget(m -> m.index(index).ids(List.copyOf(byId.keySet())), Map.class);
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
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
                answer(result.source()).ifPresent(answer -> found.put(byId.get(result.id()), answer));
            }
        }
        return found;
    }

    /** Waits for the index to exist first ({@link #awaitIndex}), so answers go into one with the shipped mappings. */
    @Override
    public List<BulkOperation> writeOperations(Collection<CacheEntry> entries) {
        if (entries.isEmpty()) {
            return List.of();
        }
        awaitIndex();
        return entries.stream().map(this::writeOperation).toList();
    }

    /** The bulk operation that stores {@code entry}: written beside the result it answered. */
    BulkOperation writeOperation(CacheEntry entry) {
        return BulkOperation.of(b -> b.index(o -> o.index(index).id(entry.key().hex()).document(source(entry))));
    }

    private static Map<String, Object> source(CacheEntry entry) {
        return CacheDocuments.source(entry);
    }

    /** An entry as stored; empty for one that is not ours to read (no answer text, no time). */
    private static Optional<CachedAnswer> answer(Map<?, ?> source) {
        return CacheDocuments.answer(source);
    }

    /**
     * Starts making sure the index exists, on a thread of its own, unless that was started already: creating an index
     * takes Elasticsearch a cluster-state update (0.3-0.5 s on a busy test machine), which must not hold up the first
     * LLM calls. A look-up before it is done finds nothing (the index is missing, so every document is a miss); the
     * first write waits for it ({@link #awaitIndex}), so answers always go into an index with the shipped mappings.
     */
    void prepareIndex() {
        if (indexReady.get() == null) {
            CompletableFuture<Void> check = new CompletableFuture<>();
            if (indexReady.compareAndSet(null, check)) {
                Thread.ofPlatform().daemon().name("answer-cache-index").start(() -> {
                    try {
                        ensureIndex();
                    } catch (RuntimeException e) {
                        LOG.warn("Could not make sure the answer cache index {} exists (answers written to it get "
                                + "Elasticsearch's default mappings; install them with the setup command): {}", index,
                                e.getMessage());
                    } finally {
                        check.complete(null);
                    }
                });
            }
        }
    }

    /** Waits until the index exists, or its creation has failed and been logged; starts that first if need be. */
    void awaitIndex() {
        prepareIndex();
        indexReady.get().join();
    }

    /**
     * Creates the index with the shipped mappings unless it exists. A run that creates it at the same moment makes
     * ours answer {@code resource_already_exists_exception}, which is fine.
     */
    private void ensureIndex() {
        try {
            if (!client.indices().exists(e -> e.index(index)).value()) {
                Map<String, Object> template = template();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("settings", template.get("settings"));
                body.put("mappings", template.get("mappings"));
                client.indices().create(c -> c.index(index).withJson(new StringReader(JsonCodec.writeString(body))));
            }
        } catch (ElasticsearchException e) {
            if (e.error() == null || !"resource_already_exists_exception".equals(e.error().type())) {
                throw failures.unavailable("create the answer cache index " + index, e);
            }
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable("create the answer cache index " + index, e);
        }
    }

    /** The shipped template's {@code template} part: the index's settings and mappings. */
    static Map<String, Object> template() {
        return template(shipped());
    }

    private static Map<String, Object> template(Map<String, Object> body) {
        return template(body, "template");
    }

    /** The object under {@code key} of the shipped resource, whose layout is ours. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> template(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.get(key);
    }

    /** The shipped index template. */
    static Map<String, Object> shipped() {
        try {
            return JsonCodec.readObject(InstalledContent.resource(RESOURCE).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The index template that gives {@code index} the cache's mappings: {@value #DEFAULT_INDEX}[-index]. */
    public static String templateName(String index) {
        return IndexTemplates.cacheName(index);
    }

    /** Installs the index template for this cache's index unless an identical one is there. */
    public QueueTemplateInstaller.Result installTemplate() {
        IndexTemplates.Template template = IndexTemplates.answerCache(index);
        String name = template.name();
        Optional<String> installed = new QueueTemplateInstaller(client, failures).installedHash(name);
        if (installed.filter(template.hash()::equals).isPresent()) {
            return QueueTemplateInstaller.Result.UNCHANGED;
        }
        Map<String, Object> body = template.body();
        try {
            client.indices().putIndexTemplate(t -> t.name(name).withJson(new StringReader(
                    JsonCodec.writeString(body))));
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("install the index template " + name, e);
        }
        return installed.isPresent() ? QueueTemplateInstaller.Result.UPDATED : QueueTemplateInstaller.Result.CREATED;
    }

    /** Entries in the cache (after a refresh, so answers just written count); 0 when it does not exist yet. */
    public long size() {
        try {
            client.indices().refresh(r -> r.index(index).ignoreUnavailable(true).allowNoIndices(true));
            return client.count(c -> c.index(index)).count();
        } catch (ElasticsearchException | IOException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count the entries of the answer cache " + index, e);
        }
    }

    /** Deletes every entry; returns how many. */
    public long clear() {
        return deleteMatching(Query.of(q -> q.matchAll(m -> m)));
    }

    /** Deletes the entries answered before {@code cutoff} (and any without a time); returns how many. */
    public long dropAnsweredBefore(Instant cutoff) {
        Query answeredSince = Query.of(q -> q.range(r -> r.untyped(u -> u.field("answered_at")
                .gte(co.elastic.clients.json.JsonData.of(EligibilityQuery.iso(cutoff))))));
        return deleteMatching(Query.of(q -> q.bool(b -> b.mustNot(answeredSince))));
    }

    private long deleteMatching(Query query) {
        PointInTime pointInTime;
        try {
            client.indices().refresh(r -> r.index(index));
            pointInTime = PointInTime.open(client, index, "2m");
        } catch (ElasticsearchException | IOException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("scan the answer cache " + index, e);
        }
        long deleted = 0;
        try (pointInTime) {
            while (true) {
                List<QueuedDocument> page = pointInTime.next(query, List.of(PointInTime.SHARD_DOC_ORDER), PAGE, false,
                        false).documents();
                if (page.isEmpty()) {
                    return deleted;
                }
                List<BulkOperation> deletes = page.stream().map(entry -> BulkOperation.of(b -> b.delete(
                        d -> d.index(index).id(entry.id())))).toList();
                deleted += client.bulk(b -> b.operations(deletes)).items().stream()
                        .filter(item -> item.error() == null).count();
            }
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable("delete entries of the answer cache " + index, e);
        }
    }
}
