package dev.llmwatcher.opensearch;

import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.cache.AnswerCache;
import dev.llmwatcher.cache.CacheEntry;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.SourceVersion;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.store.BulkRefusals;
import dev.llmwatcher.store.QueueChanges;
import dev.llmwatcher.store.QueueQueries;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The queue in an OpenSearch index, with the Elasticsearch adapter's guarantees: every change to a queue document is
 * a bulk item conditional on the {@code _seq_no}/{@code _primary_term} the caller holds, every bulk response is read
 * item by item, and a result is always stored before its queue document is deleted. The queries and the documents'
 * changes are the shared ones ({@code store}); only talking to OpenSearch is here.
 *
 * <p>The queue is refreshed before every scan and count (the Elasticsearch adapter skips a refresh it made less than
 * a second ago; not yet here). Answers to cache travel in the bulk that stores their results.
 */
public final class OpenSearchQueueStore implements QueueStore, BatchQueue, AnswerCache, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenSearchQueueStore.class);

    private final OpenSearchClient client;
    private final boolean ownsClient;
    private final OpenSearchFailures failures;
    private final OpenSearchBatches batches;
    private final RawRequests raw;
    /** Empty when the answer cache is off. */
    private final Optional<OpenSearchAnswerCache> answerCache;
    private final AtomicBoolean cacheWriteFailureLogged = new AtomicBoolean();

    /** A store over a client the caller shares and closes, with the answer cache in {@code answerCacheIndex}. */
    public OpenSearchQueueStore(OpenSearchClient client, ElasticsearchSettings settings,
                                Optional<String> answerCacheIndex) {
        this(client, false, settings, answerCacheIndex);
    }

    private OpenSearchQueueStore(OpenSearchClient client, boolean ownsClient, ElasticsearchSettings settings,
                                 Optional<String> answerCacheIndex) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.failures = new OpenSearchFailures(settings);
        this.batches = new OpenSearchBatches(client, failures);
        this.raw = new RawRequests(client, failures);
        this.answerCache = answerCacheIndex.map(index -> new OpenSearchAnswerCache(client, failures, index));
    }

    /** A store with a client of its own ({@link OpenSearchClients}), closed with it; nothing is sent yet. */
    public static OpenSearchQueueStore connect(ElasticsearchSettings settings, Optional<String> answerCacheIndex) {
        return new OpenSearchQueueStore(OpenSearchClients.create(settings), true, settings, answerCacheIndex);
    }

    /** The backfill port ({@code enqueue --from}) over this store's client. */
    public BackfillStore backfill() {
        return new OpenSearchBackfill(client, failures, this::bulk);
    }

    /** The client this store talks through, for the other adapters of the same cluster (the token ledger). */
    public OpenSearchClient client() {
        return client;
    }

    @Override
    public Map<CacheKey, CachedAnswer> lookup(Collection<CacheKey> keys) {
        return answerCache.map(cache -> cache.lookup(keys)).orElse(Map.of());
    }

    @Override
    public void close() {
        if (!ownsClient) {
            return;
        }
        try {
            client._transport().close();
        } catch (IOException e) {
            LOG.debug("Closing the OpenSearch client failed: {}", e.getMessage());
        }
    }

    @Override
    public QueueScan scan(QueueQuery query) {
        refresh(query.index());
        return PitScan.open(client, failures, query, eligible(query));
    }

    @Override
    public long countEligible(QueueQuery query) {
        return count(query, eligible(query), "count queue documents in " + query.index());
    }

    @Override
    public QueueScan scan(QueueQuery query, String provider) {
        refresh(query.index());
        return PitScan.open(client, failures, query, ofProvider(query, provider));
    }

    @Override
    public long countEligible(QueueQuery query, String provider) {
        return count(query, ofProvider(query, provider), "count " + provider + " documents in " + query.index());
    }

    /**
     * Refreshes the queue first (claims are not visible until then), then counts the distinct owners of claims whose
     * lease has not ended (a cardinality aggregation); none when the queue index does not exist.
     */
    @Override
    public long drainersWorking(String queueIndex, Instant now) {
        refresh(queueIndex);
        String ownerPath = QueueFields.CLAIM_OWNER_PATH;
        String owner = keywordFields(queueIndex, List.of(ownerPath)).get(ownerPath);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("size", 0);
        body.put("track_total_hits", false);
        body.put("query", QueueQueries.range(QueueFields.CLAIM_UNTIL_PATH, "gte", QueueQueries.iso(now)));
        body.put("aggs", Map.of("owners", Map.of("cardinality", Map.of("field", owner))));
        RawRequests.Answer answer = raw.send("POST", "/" + queueIndex + "/_search", body,
                "count the drainers working " + queueIndex, 404);
        if (answer.status() == 404 || !(answer.json().get("aggregations") instanceof Map<?, ?> aggregations)
                || !(aggregations.get("owners") instanceof Map<?, ?> owners)) {
            return 0;
        }
        return owners.get("value") instanceof Number value ? value.longValue() : 0;
    }

    private long count(QueueQuery query, Map<String, Object> json, String action) {
        refresh(query.index());
        RawRequests.Answer answer = raw.send("POST", "/" + query.index() + "/_count", Map.of("query", json), action,
                404);
        return answer.status() == 404 ? 0 : answer.json().get("count") instanceof Number n ? n.longValue() : 0;
    }

    private void refresh(String queueIndex) {
        try {
            client.indices().refresh(r -> r.index(queueIndex).ignoreUnavailable(true).allowNoIndices(true));
        } catch (IOException | RuntimeException e) {
            if (!OpenSearchFailures.isIndexNotFound(e)) {
                throw failures.unavailable("refresh " + queueIndex, e);
            }
        }
    }

    /** The query's eligible documents with the exact-match fields of the index as it is mapped. */
    private Map<String, Object> eligible(QueueQuery query) {
        if (query.excludedProvider().isEmpty() && query.models().any()) {
            return QueueQueries.eligible(query.selection(), query.now());
        }
        String provider = QueueFields.path(QueueFields.PROVIDER);
        String model = QueueFields.path(QueueFields.MODEL);
        Map<String, String> fields = keywordFields(query.index(), List.of(provider, model));
        return QueueQueries.eligible(query, fields.get(provider), fields.get(model));
    }

    private Map<String, Object> ofProvider(QueueQuery query, String provider) {
        String field = QueueFields.path(QueueFields.PROVIDER);
        return QueueQueries.both(eligible(query),
                QueueQueries.term(keywordFields(query.index(), List.of(field)).get(field), provider));
    }

    private Map<String, String> keywordFields(String index, List<String> wanted) {
        try {
            return batches.keywordFields(index, wanted);
        } catch (IOException | RuntimeException e) {
            if (OpenSearchFailures.isIndexNotFound(e)) {
                Map<String, String> same = new HashMap<>();
                wanted.forEach(field -> same.put(field, field));
                return same;
            }
            throw failures.unavailable("read the mapping of " + index, e);
        }
    }

    @Override
    public List<QueuedDocument> claim(String queueIndex, List<QueuedDocument> documents, Claim claim) {
        List<QueuedDocument> leased = documents.stream().map(d -> QueueChanges.withLease(d, claim)).toList();
        List<BulkOperation> operations = leased.stream()
                .map(d -> BulkOperation.of(b -> b.index(o -> o.index(queueIndex).id(d.id()).ifSeqNo(d.seqNo())
                        .ifPrimaryTerm(d.primaryTerm()).document(d.source()))))
                .toList();
        return atNewVersions(documents, bulk(operations, "claim documents in " + queueIndex), "Not claimed");
    }

    @Override
    public List<WriteOutcome> store(String queueIndex, List<CompletedDocument> completed) {
        if (completed.isEmpty()) {
            return List.of();
        }
        List<WriteOutcome> indexed = indexResults(queueIndex, completed);
        List<CompletedDocument> stored = new ArrayList<>();
        for (int i = 0; i < completed.size(); i++) {
            if (indexed.get(i) == null) {
                stored.add(completed.get(i));
            }
        }
        Map<String, String> deleteErrors = deleteFromQueue(queueIndex, stored);
        List<WriteOutcome> outcomes = new ArrayList<>(completed.size());
        for (int i = 0; i < completed.size(); i++) {
            String id = completed.get(i).queued().id();
            if (indexed.get(i) != null) {
                outcomes.add(indexed.get(i));
            } else if (deleteErrors.containsKey(id)) {
                outcomes.add(WriteOutcome.storedNotRemoved(id, deleteErrors.get(id)));
            } else {
                outcomes.add(WriteOutcome.done(id));
            }
        }
        return outcomes;
    }

    @Override
    public void recordFailures(String queueIndex, List<FailureRecord> records) {
        List<QueuedDocument> documents = records.stream().map(FailureRecord::queued).toList();
        Map<String, FailureRecord> byId = new HashMap<>();
        records.forEach(r -> byId.put(r.queued().id(), r));
        logUnapplied(documents, updates(queueIndex, documents, d -> QueueChanges.failure(byId.get(d.id())),
                "record failures"), "Failure not recorded");
    }

    @Override
    public List<String> setAside(String queueIndex, List<CompletedDocument> completed) {
        List<QueuedDocument> documents = completed.stream().map(CompletedDocument::queued).toList();
        Map<String, Map<String, Object>> resultById = new HashMap<>();
        completed.forEach(c -> resultById.put(c.queued().id(), c.result()));
        List<BulkResponseItem> items = updates(queueIndex, documents,
                d -> QueueChanges.setAside(resultById.get(d.id())), "set results aside");
        logUnapplied(documents, items, "Result not set aside");
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).error() == null) {
                kept.add(documents.get(i).id());
            }
        }
        return kept;
    }

    @Override
    public void release(String queueIndex, List<QueuedDocument> documents) {
        Map<String, Object> change = QueueChanges.release();
        logUnapplied(documents, updates(queueIndex, documents, d -> change, "release claims"),
                "Claim not released");
    }

    @Override
    public List<QueuedDocument> enterSubmission(String queueIndex, List<QueuedDocument> documents, String submission,
                                                Instant submittedAt, Claim claim) {
        Map<String, Object> change = QueueChanges.enterSubmission(submission, submittedAt, claim);
        return atNewVersions(documents, updates(queueIndex, documents, d -> change,
                "claim documents for batch submission " + submission), "Not in submission " + submission);
    }

    @Override
    public List<QueuedDocument> recordBatchId(String queueIndex, List<QueuedDocument> documents, String batchId) {
        Map<String, Object> change = QueueChanges.batchId(batchId);
        return atNewVersions(documents, updates(queueIndex, documents, d -> change, "record batch " + batchId),
                "Batch id not recorded");
    }

    @Override
    public List<OpenSubmission> openSubmissions(String queueIndex) {
        refresh(queueIndex);
        return batches.openSubmissions(queueIndex);
    }

    @Override
    public List<QueuedDocument> submissionDocuments(String queueIndex, String submission) {
        refresh(queueIndex);
        return batches.submissionDocuments(queueIndex, submission);
    }

    /** The documents whose change applied, at the version it made; the others are logged as {@code what}. */
    private List<QueuedDocument> atNewVersions(List<QueuedDocument> documents, List<BulkResponseItem> items,
                                               String what) {
        logUnapplied(documents, items, what);
        List<QueuedDocument> changed = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            BulkResponseItem item = items.get(i);
            if (item.error() == null && item.seqNo() != null && item.primaryTerm() != null) {
                changed.add(documents.get(i).atVersion(item.seqNo(), item.primaryTerm()));
            }
        }
        return changed;
    }

    /**
     * Per input its outcome when its result was not stored, or null when it was. A backfilled document's result is
     * written only over the source version it was queued at; one refused for that (409) is superseded by the
     * application's write ({@link SupersededSources}).
     */
    private List<WriteOutcome> indexResults(String queueIndex, List<CompletedDocument> completed) {
        List<BulkOperation> operations = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<WriteOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < completed.size(); i++) {
            CompletedDocument document = completed.get(i);
            String id = document.queued().id();
            if (document.targetIndex() == null || document.targetIndex().isBlank()) {
                outcomes.add(WriteOutcome.notStored(id, "no target index to store the result in"));
                continue;
            }
            outcomes.add(null);
            positions.add(i);
            Optional<SourceVersion> version = SourceVersion.of(document.queued());
            operations.add(BulkOperation.of(b -> b.index(o -> {
                o.index(document.targetIndex()).id(id).document(document.result());
                version.ifPresent(v -> o.ifSeqNo(v.seqNo()).ifPrimaryTerm(v.primaryTerm()));
                return o;
            })));
        }
        if (operations.isEmpty()) {
            return outcomes;
        }
        int results = operations.size();
        operations.addAll(cacheWrites(completed));
        List<BulkResponseItem> items = bulk(operations, "store results");
        checkCacheWrites(items.subList(results, items.size()));
        List<Integer> conflicts = new ArrayList<>();
        for (int k = 0; k < results; k++) {
            BulkResponseItem item = items.get(k);
            if (item.error() == null) {
                continue;
            }
            if (item.status() == 409 && SourceVersion.of(completed.get(positions.get(k)).queued()).isPresent()) {
                conflicts.add(positions.get(k));
                continue;
            }
            String id = completed.get(positions.get(k)).queued().id();
            String reason = failures.reason(item.error());
            outcomes.set(positions.get(k), BulkRefusals.isPushedBack(item.status(), item.error().type())
                    ? WriteOutcome.pushedBack(id, reason) : WriteOutcome.notStored(id, reason));
        }
        List<WriteOutcome> superseded = new SupersededSources(raw, this::bulk).resolve(queueIndex,
                conflicts.stream().map(completed::get).toList());
        for (int c = 0; c < conflicts.size(); c++) {
            outcomes.set(conflicts.get(c), superseded.get(c));
        }
        return outcomes;
    }

    private List<BulkOperation> cacheWrites(List<CompletedDocument> completed) {
        if (answerCache.isEmpty()) {
            return List.of();
        }
        Map<String, CacheEntry> entries = new LinkedHashMap<>();
        completed.forEach(document -> document.cacheEntry().ifPresent(entry -> entries.putIfAbsent(
                entry.key().hex(), entry)));
        return answerCache.get().writeOperations(entries.values());
    }

    private void checkCacheWrites(List<BulkResponseItem> items) {
        for (BulkResponseItem item : items) {
            if (item.error() == null) {
                continue;
            }
            if (cacheWriteFailureLogged.compareAndSet(false, true)) {
                LOG.warn("An answer could not be written to the answer cache {}: {}", item.index(),
                        failures.reason(item.error()));
            } else {
                LOG.debug("Answer not cached in {}: {}", item.index(), failures.reason(item.error()));
            }
        }
    }

    /** Deletes stored documents from the queue, each only if still the version claimed; reasons of those not. */
    private Map<String, String> deleteFromQueue(String queueIndex, List<CompletedDocument> stored) {
        Map<String, String> errors = new HashMap<>();
        if (stored.isEmpty()) {
            return errors;
        }
        List<BulkOperation> operations = stored.stream().map(CompletedDocument::queued)
                .map(q -> BulkOperation.of(b -> b.delete(d -> d.index(queueIndex).id(q.id()).ifSeqNo(q.seqNo())
                        .ifPrimaryTerm(q.primaryTerm()))))
                .toList();
        List<BulkResponseItem> items = bulk(operations, "remove stored documents from " + queueIndex);
        for (int i = 0; i < items.size(); i++) {
            BulkResponseItem item = items.get(i);
            String id = stored.get(i).queued().id();
            if (item.status() == 409) {
                errors.put(id, "stored, but the queue document changed since it was claimed, so it was kept: "
                        + failures.reason(item.error()));
            } else if (item.error() != null) {
                errors.put(id, "stored, but not removed from the queue: " + failures.reason(item.error()));
            }
        }
        return errors;
    }

    private List<BulkResponseItem> updates(String queueIndex, List<QueuedDocument> documents,
                                           Function<QueuedDocument, Map<String, Object>> change, String action) {
        List<BulkOperation> operations = documents.stream()
                .map(d -> BulkOperation.of(b -> b.update(u -> u.index(queueIndex).id(d.id()).ifSeqNo(d.seqNo())
                        .ifPrimaryTerm(d.primaryTerm()).document(change.apply(d)))))
                .toList();
        return bulk(operations, action + " in " + queueIndex);
    }

    /** One bulk request; its items, one per operation in order (checked). */
    private List<BulkResponseItem> bulk(List<BulkOperation> operations, String action) {
        if (operations.isEmpty()) {
            return List.of();
        }
        BulkResponse response;
        try {
            response = client.bulk(b -> b.operations(operations));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable(action, e);
        }
        if (response.items().size() != operations.size()) {
            throw failures.unavailable(action, new IOException("the bulk answer has " + response.items().size()
                    + " items for " + operations.size() + " operations"));
        }
        return response.items();
    }

    private void logUnapplied(List<QueuedDocument> documents, List<BulkResponseItem> items, String what) {
        for (int i = 0; i < items.size(); i++) {
            BulkResponseItem item = items.get(i);
            if (item.error() == null) {
                continue;
            }
            String id = documents.get(i).id();
            if (BulkRefusals.isRaceLost(item.status())) {
                LOG.debug("{} (id: {}): changed or removed by another run", what, id);
            } else {
                LOG.warn("{} (id: {}): {}", what, id, failures.reason(item.error()));
            }
        }
    }
}
