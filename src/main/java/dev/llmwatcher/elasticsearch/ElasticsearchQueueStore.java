package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import dev.llmwatcher.backfill.BackfillProgress;
import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.backfill.SourceSelection;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The queue in an Elasticsearch index. Every change to a queue document is a bulk item conditional on the
 * {@code _seq_no}/{@code _primary_term} the caller holds, so overlapping runs never overwrite each other; every
 * bulk response is read item by item. A result is always stored before its queue document is deleted, so a run
 * killed at any point leaves each document either stored or still queued (and storing twice is harmless).
 *
 * <p>Documents whose shape we do not own (the user's source, the merged result) travel as plain maps, serialized
 * once by the client's Jackson mapper; {@code null} map values are sent, so a partial update can clear a field.
 *
 * <p>With an answer cache ({@link ElasticsearchAnswerCache}), the answers that travel with completed documents are
 * written in the same bulk as the results, one entry per question; a cache entry Elasticsearch refuses is logged and
 * costs no document anything.
 */
public final class ElasticsearchQueueStore implements QueueStore, BatchQueue, AnswerCache, BackfillStore,
        AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchQueueStore.class);

    /** A refresh this recent, with no write of ours to the index since, makes another one pointless. */
    private static final long STILL_FRESH_NANOS = 1_000_000_000L;

    private final ElasticsearchClient client;
    private final boolean ownsClient;
    private final ElasticsearchFailures failures;
    private final BatchBookkeeping batches;
    private final ElasticsearchBackfill backfill;
    /** Per queue index: how many writes this store sent to it, and when it last refreshed it (at which count). */
    private final Map<String, AtomicLong> writes = new ConcurrentHashMap<>();
    private final Map<String, Refreshed> refreshed = new ConcurrentHashMap<>();
    /** {@link AnswerCacheIndex#NONE} when the answer cache is off. */
    private final AnswerCacheIndex answerCache;
    private final AtomicBoolean cacheWriteFailureLogged = new AtomicBoolean();

    private record Refreshed(long atNanos, long writes) {
    }

    /**
     * A store over a client the caller shares and closes.
     *
     * @param settings what the client was built from, so error messages name the cluster and never a secret
     */
    public ElasticsearchQueueStore(ElasticsearchClient client, ElasticsearchSettings settings) {
        this(client, false, settings, Optional.empty());
    }

    /** As above, with the answer cache in {@code answerCacheIndex}. */
    public ElasticsearchQueueStore(ElasticsearchClient client, ElasticsearchSettings settings,
                                   Optional<String> answerCacheIndex) {
        this(client, false, settings, answerCacheIndex);
    }

    private ElasticsearchQueueStore(ElasticsearchClient client, boolean ownsClient, ElasticsearchSettings settings,
                                    Optional<String> answerCacheIndex) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.failures = new ElasticsearchFailures(settings);
        this.answerCache = answerCacheIndex.<AnswerCacheIndex>map(index -> new ElasticsearchAnswerCache(client,
                failures, index)).orElse(AnswerCacheIndex.NONE);
        this.batches = new BatchBookkeeping(client, failures);
        this.backfill = new ElasticsearchBackfill(client, failures, this::queueBulk);
    }

    /** A store with a client of its own ({@link ElasticsearchClients}), closed with it; nothing is sent yet. */
    public static ElasticsearchQueueStore connect(ElasticsearchSettings settings) {
        return connect(settings, Optional.empty());
    }

    /** As above, with the answer cache in {@code answerCacheIndex} (empty: no answer cache). */
    public static ElasticsearchQueueStore connect(ElasticsearchSettings settings, Optional<String> answerCacheIndex) {
        return new ElasticsearchQueueStore(ElasticsearchClients.create(settings), true, settings, answerCacheIndex);
    }

    /**
     * The cluster's administration (templates, pipelines, status) over this store's own client, so a process that
     * drains the queue and keeps its templates opens one connection pool, not two. Closing it leaves the client open.
     */
    public ClusterAdmin admin() {
        return ClusterAdmin.over(client, failures);
    }

    /** Answers from the answer cache; none when this store has no answer cache. */
    @Override
    public Map<CacheKey, CachedAnswer> lookup(Collection<CacheKey> keys) {
        return answerCache.lookup(keys);
    }

    /** Closes the client if this store made it; a failure to close is only logged, the process is done with it. */
    @Override
    public void close() {
        if (!ownsClient) {
            return;
        }
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("Closing the Elasticsearch client failed: {}", e.getMessage());
        }
    }

    /** Refreshes the queue first, so the scan sees every change made before it (the last pass's among them). */
    @Override
    public QueueScan scan(QueueQuery query) {
        refresh(query.index());
        return PointInTimeScan.open(client, failures, query, eligible(query));
    }

    /** Refreshes the queue first, so documents stored or failed a moment ago are not counted as eligible. */
    @Override
    public long countEligible(QueueQuery query) {
        refresh(query.index());
        try {
            return client.count(c -> c.index(query.index())
                    .query(eligible(query))).count();
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count queue documents in " + query.index(), e);
        }
    }

    /**
     * Refreshes the queue first (claims are not visible until then), then counts the owners of live claims; none when
     * no claim owner was ever mapped (the queue index holds no claim).
     */
    @Override
    public long drainersWorking(String queueIndex, Instant now) {
        refresh(queueIndex);
        try {
            Optional<String> field = KeywordFields.aggregatable(client, queueIndex, QueueFields.CLAIM_OWNER_PATH);
            if (field.isEmpty()) {
                return 0;
            }
            String owner = field.get();
            SearchResponse<Void> response = client.search(s -> s.index(queueIndex).size(0)
                    .trackTotalHits(t -> t.enabled(false)).query(EligibilityQuery.liveClaim(now))
                    .aggregations("owners", a -> a.cardinality(c -> c.field(owner))), Void.class);
            Aggregate owners = response.aggregations().get("owners");
            return owners == null || !owners.isCardinality() ? 0 : owners.cardinality().value();
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count the drainers working " + queueIndex, e);
        }
    }

    /**
     * Refreshes the queue unless this store did so less than a second ago and has written nothing to it since: a
     * pass counts the queue and then opens its scan, and the second refresh would only cost Elasticsearch a request
     * (what others queued in those milliseconds waits for the next pass, as it would anyway a moment later).
     */
    private void refresh(String queueIndex) {
        long writesBefore = writesTo(queueIndex).get();
        long started = System.nanoTime();
        Refreshed last = refreshed.get(queueIndex);
        if (last != null && last.writes() == writesBefore && started - last.atNanos() < STILL_FRESH_NANOS) {
            return;
        }
        try {
            client.indices().refresh(r -> r.index(queueIndex).ignoreUnavailable(true).allowNoIndices(true));
        } catch (IOException | RuntimeException e) {
            if (!ElasticsearchFailures.isIndexNotFound(e)) {
                throw failures.unavailable("refresh " + queueIndex, e);
            }
        }
        refreshed.put(queueIndex, new Refreshed(started, writesBefore));
    }

    private AtomicLong writesTo(String queueIndex) {
        return writes.computeIfAbsent(queueIndex, index -> new AtomicLong());
    }

    @Override
    public List<QueuedDocument> claim(String queueIndex, List<QueuedDocument> documents, Claim claim) {
        Map<String, Object> lease = Map.of(QueueFields.CLAIM_OWNER, claim.owner(),
                QueueFields.CLAIM_UNTIL, EligibilityQuery.iso(claim.until()));
        List<QueuedDocument> leased = documents.stream().map(d -> withLease(d, lease)).toList();
        List<BulkResponseItem> items = conditionalIndex(queueIndex, leased, "claim documents");
        List<QueuedDocument> claimed = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            QueuedDocument document = documents.get(i);
            BulkResponseItem item = items.get(i);
            if (item.error() == null && item.seqNo() != null && item.primaryTerm() != null) {
                claimed.add(document.atVersion(item.seqNo(), item.primaryTerm()));
            } else if (item.status() == 409 || item.status() == 404) {
                LOG.debug("Not claimed (id: {}): changed or removed by another run", document.id());
            } else {
                LOG.warn("Not claimed (id: {}): {}", document.id(), failures.reason(item.error()));
            }
        }
        return claimed;
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
        List<BulkResponseItem> items = conditionalUpdates(queueIndex, documents,
                d -> failureChange(byId.get(d.id())), "record failures");
        logUnapplied(documents, items, "Failure not recorded");
    }

    @Override
    public List<String> setAside(String queueIndex, List<CompletedDocument> completed) {
        List<QueuedDocument> documents = completed.stream().map(CompletedDocument::queued).toList();
        Map<String, Map<String, Object>> resultById = new HashMap<>();
        completed.forEach(c -> resultById.put(c.queued().id(), c.result()));
        List<BulkResponseItem> items = conditionalUpdates(queueIndex, documents, d -> {
            Map<String, Object> fields = new HashMap<>();
            fields.put(QueueFields.PENDING_RESULT, resultById.get(d.id()));
            fields.put(QueueFields.CLAIM, null);
            return meta(fields);
        }, "set results aside");
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
        Map<String, Object> noClaim = new HashMap<>();
        noClaim.put(QueueFields.CLAIM, null);
        noClaim.put(QueueFields.BATCH, null);
        Map<String, Object> change = meta(noClaim);
        List<BulkResponseItem> items = conditionalUpdates(queueIndex, documents, d -> change, "release claims");
        logUnapplied(documents, items, "Claim not released");
    }

    @Override
    public QueueScan scan(QueueQuery query, String provider) {
        refresh(query.index());
        return PointInTimeScan.open(client, failures, query, ofProvider(query, provider));
    }

    @Override
    public long countEligible(QueueQuery query, String provider) {
        refresh(query.index());
        try {
            return client.count(c -> c.index(query.index()).query(ofProvider(query, provider))).count();
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count " + provider + " documents in " + query.index(), e);
        }
    }

    private Query ofProvider(QueueQuery query, String provider) {
        Query eligible = eligible(query);
        Query isProvider = isProvider(query.index(), provider);
        return Query.of(q -> q.bool(b -> b.filter(eligible).filter(isProvider)));
    }

    /**
     * The query's eligible documents, without those of its excluded provider if it has one, and only those of the
     * models its model filter lets through.
     */
    private Query eligible(QueueQuery query) {
        Query eligible = EligibilityQuery.of(query.selection(), query.now());
        if (query.excludedProvider().isEmpty() && query.models().any()) {
            return eligible;
        }
        BoolQuery.Builder narrowed = new BoolQuery.Builder().filter(eligible);
        query.excludedProvider().ifPresent(provider -> narrowed.mustNot(isProvider(query.index(), provider)));
        if (!query.models().any()) {
            ModelQuery.apply(query.models(), modelField(query.index()), narrowed);
        }
        return narrowed.build()._toQuery();
    }

    /** The field that matches {@code _llm_watcher.model} exactly, whichever way the index maps it. */
    private String modelField(String index) {
        String path = QueueFields.path(QueueFields.MODEL);
        try {
            return KeywordFields.pick(client, index, List.of(path)).get(path);
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return path;
            }
            throw failures.unavailable("read the mapping of " + index, e);
        }
    }

    private Query isProvider(String index, String provider) {
        try {
            return batches.exactly(index, QueueFields.path(QueueFields.PROVIDER), provider);
        } catch (IOException | RuntimeException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return Query.of(q -> q.term(t -> t.field(QueueFields.path(QueueFields.PROVIDER)).value(provider)));
            }
            throw failures.unavailable("read the mapping of " + index, e);
        }
    }

    @Override
    public long countMatching(SourceSelection selection) {
        return backfill.countMatching(selection);
    }

    @Override
    public SourceScan scanSource(SourceSelection selection, int slices, int pageSize) {
        return backfill.scanSource(selection, slices, pageSize);
    }

    @Override
    public EnqueueResult enqueue(String queueIndex, List<QueueEntry> entries) {
        return backfill.enqueue(queueIndex, entries);
    }

    @Override
    public List<BackfillProgress> progress(String queueIndex) {
        return backfill.progress(queueIndex);
    }

    @Override
    public void recordBackfill(String queueIndex, BackfillRecord record) {
        backfill.recordBackfill(queueIndex, record);
    }

    @Override
    public List<BackfillRecord> backfillRecords(String queueIndex) {
        return backfill.backfillRecords(queueIndex);
    }

    @Override
    public List<QueuedDocument> enterSubmission(String queueIndex, List<QueuedDocument> documents, String submission,
                                                Instant submittedAt, Claim claim) {
        Map<String, Object> batch = new HashMap<>();
        batch.put(QueueFields.BATCH_SUBMISSION, submission);
        batch.put(QueueFields.BATCH_SUBMITTED_AT, EligibilityQuery.iso(submittedAt));
        batch.put(QueueFields.BATCH_ID, null);
        Map<String, Object> fields = new HashMap<>();
        fields.put(QueueFields.CLAIM, Map.of(QueueFields.CLAIM_OWNER, claim.owner(),
                QueueFields.CLAIM_UNTIL, EligibilityQuery.iso(claim.until())));
        fields.put(QueueFields.BATCH, batch);
        return atNewVersions(documents, conditionalUpdates(queueIndex, documents, d -> meta(fields),
                "claim documents for batch submission " + submission), "Not in submission " + submission);
    }

    @Override
    public List<QueuedDocument> recordBatchId(String queueIndex, List<QueuedDocument> documents, String batchId) {
        Map<String, Object> change = meta(Map.of(QueueFields.BATCH, Map.of(QueueFields.BATCH_ID, batchId)));
        return atNewVersions(documents, conditionalUpdates(queueIndex, documents, d -> change,
                "record batch " + batchId), "Batch id not recorded");
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
     * Indexes each result under its queue document's id; returns per input its outcome when it was not stored (an
     * item Elasticsearch pushed back is {@link WriteOutcome#pushedBack}), or null when it was.
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
            CompletedDocument document = completed.get(positions.get(k));
            if (item.status() == 409 && SourceVersion.of(document.queued()).isPresent()) {
                conflicts.add(positions.get(k));
                continue;
            }
            String id = document.queued().id();
            outcomes.set(positions.get(k), BulkItems.isPushedBack(item)
                    ? WriteOutcome.pushedBack(id, failures.reason(item.error()))
                    : WriteOutcome.notStored(id, failures.reason(item.error())));
        }
        List<WriteOutcome> superseded = superseded().resolve(queueIndex,
                conflicts.stream().map(completed::get).toList());
        for (int c = 0; c < conflicts.size(); c++) {
            outcomes.set(conflicts.get(c), superseded.get(c));
        }
        return outcomes;
    }

    private SupersededResults superseded() {
        return new SupersededResults(client, failures, this::queueBulk);
    }

    /** The answer cache entries the completed documents carry, one per question; none without an answer cache. */
    private List<BulkOperation> cacheWrites(List<CompletedDocument> completed) {
        Map<String, CacheEntry> entries = new LinkedHashMap<>();
        completed.forEach(document -> document.cacheEntry().ifPresent(entry -> entries.putIfAbsent(
                entry.key().hex(), entry)));
        return answerCache.writeOperations(entries.values());
    }

    /** A refused cache entry costs its question a call next time, nothing more: logged once, then at debug. */
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

    /**
     * Deletes stored documents from the queue, each only if it is still the version claimed. Returns the reasons
     * of those not deleted, by id. A delete that fails as a whole is thrown: the results are stored and their queue
     * copies come back when the claims expire (storing them again is harmless), but a run that cannot remove what
     * it finishes must stop rather than keep paying for answers it will have to ask for again.
     */
    private Map<String, String> deleteFromQueue(String queueIndex, List<CompletedDocument> stored) {
        Map<String, String> errors = new HashMap<>();
        if (stored.isEmpty()) {
            return errors;
        }
        List<BulkOperation> operations = stored.stream().map(CompletedDocument::queued)
                .map(q -> BulkOperation.of(b -> b.delete(d -> d.index(queueIndex).id(q.id()).ifSeqNo(q.seqNo())
                        .ifPrimaryTerm(q.primaryTerm()))))
                .toList();
        List<BulkResponseItem> items = queueBulk(queueIndex, operations,
                "remove stored documents from " + queueIndex);
        for (int i = 0; i < items.size(); i++) {
            BulkResponseItem item = items.get(i);
            String id = stored.get(i).queued().id();
            if (item.status() == 409) {
                LOG.debug("Stored but not removed from the queue (id: {}): changed since it was claimed", id);
                errors.put(id, "stored, but the queue document changed since it was claimed, so it was kept: "
                        + failures.reason(item.error()));
            } else if (item.error() != null) {
                errors.put(id, "stored, but not removed from the queue: " + failures.reason(item.error()));
            }
        }
        return errors;
    }

    /**
     * The document as read with the lease added. A claim rewrites the whole source it already holds instead of
     * sending a partial update: the update would make Elasticsearch fetch and merge the stored source first, the
     * dearest part of a claim, for the same result under the same version condition.
     */
    private static QueuedDocument withLease(QueuedDocument document, Map<String, Object> lease) {
        Map<String, Object> source = new LinkedHashMap<>(document.source());
        Map<String, Object> watcherMeta = new LinkedHashMap<>(document.meta());
        watcherMeta.put(QueueFields.CLAIM, lease);
        source.put(QueueFields.META, watcherMeta);
        return new QueuedDocument(document.id(), document.seqNo(), document.primaryTerm(), source);
    }

    private List<BulkResponseItem> conditionalIndex(String queueIndex, List<QueuedDocument> documents,
                                                    String action) {
        if (documents.isEmpty()) {
            return List.of();
        }
        List<BulkOperation> operations = documents.stream()
                .map(d -> BulkOperation.of(b -> b.index(o -> o.index(queueIndex).id(d.id()).ifSeqNo(d.seqNo())
                        .ifPrimaryTerm(d.primaryTerm()).document(d.source()))))
                .toList();
        return queueBulk(queueIndex, operations, action + " in " + queueIndex);
    }

    private List<BulkResponseItem> conditionalUpdates(String queueIndex, List<QueuedDocument> documents,
                                                      Function<QueuedDocument, Map<String, Object>> change,
                                                      String action) {
        if (documents.isEmpty()) {
            return List.of();
        }
        List<BulkOperation> operations = documents.stream()
                .map(d -> BulkOperation.of(b -> b.update(u -> u.index(queueIndex).id(d.id()).ifSeqNo(d.seqNo())
                        .ifPrimaryTerm(d.primaryTerm()).action(a -> a.doc(change.apply(d))))))
                .toList();
        return queueBulk(queueIndex, operations, action + " in " + queueIndex);
    }

    /**
     * A bulk that changes the queue index: every claim, failure record, release and removal goes through here, and
     * is counted once it has ended (however it ended), so a refresh that overlapped it is not taken as fresh.
     */
    private List<BulkResponseItem> queueBulk(String queueIndex, List<BulkOperation> operations, String action) {
        try {
            return bulk(operations, action);
        } finally {
            writesTo(queueIndex).incrementAndGet();
        }
    }

    /** One bulk request; its items, one per operation in order (checked), for the caller to read one by one. */
    private List<BulkResponseItem> bulk(List<BulkOperation> operations, String action) {
        BulkResponse response;
        long started = System.nanoTime();
        try {
            response = client.bulk(b -> b.operations(operations));
        } catch (IOException | RuntimeException e) {
            throw failures.unavailable(action, e);
        }
        LOG.debug("Elasticsearch bulk to {} ({} operations) answered in {} ms", action, operations.size(),
                (System.nanoTime() - started) / 1_000_000);
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
            if (item.status() == 409 || item.status() == 404) {
                LOG.debug("{} (id: {}): changed or removed by another run since it was claimed", what, id);
            } else {
                LOG.warn("{} (id: {}): {}", what, id, failures.reason(item.error()));
            }
        }
    }

    private static Map<String, Object> failureChange(FailureRecord failure) {
        Map<String, Object> fields = new HashMap<>();
        String error = failure.error() == null || failure.error().isBlank() ? "unknown error" : failure.error();
        fields.put(QueueFields.ERROR, error);
        fields.put(QueueFields.ATTEMPTS, failure.attempts());
        fields.put(QueueFields.LAST_ATTEMPT_AT,
                failure.attemptedAt() == null ? null : EligibilityQuery.iso(failure.attemptedAt()));
        fields.put(QueueFields.NEXT_ATTEMPT_AT,
                failure.nextAttemptAt() == null ? null : EligibilityQuery.iso(failure.nextAttemptAt()));
        fields.put(QueueFields.PARKED, failure.parked());
        fields.put(QueueFields.CLAIM, null);
        fields.put(QueueFields.BATCH, null);
        return meta(fields);
    }

    private static Map<String, Object> meta(Map<String, Object> fields) {
        return Map.of(QueueFields.META, fields);
    }
}
