package dev.llmwatcher.queue;

import dev.llmwatcher.elasticsearch.BulkItem;
import dev.llmwatcher.elasticsearch.BulkOperation;
import dev.llmwatcher.elasticsearch.ElasticsearchConnection;
import dev.llmwatcher.elasticsearch.ElasticsearchException;
import dev.llmwatcher.elasticsearch.JsonPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The queue in an Elasticsearch index. Every change to a queue document is a bulk item conditional on the
 * {@code _seq_no}/{@code _primary_term} the caller holds, so overlapping runs never overwrite each other; every
 * bulk response is read item by item. A result is always stored before its queue document is deleted, so a run
 * killed at any point leaves each document either stored or still queued (and storing twice is harmless).
 */
public final class ElasticsearchQueueStore implements QueueStore {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchQueueStore.class);

    /** A refresh this recent, with no write of ours to the index since, makes another one pointless. */
    private static final long STILL_FRESH_NANOS = 1_000_000_000L;

    private final ElasticsearchConnection connection;
    private final ElasticsearchFailures failures;
    /** Per queue index: how many writes this store sent to it, and when it last refreshed it (at which count). */
    private final Map<String, AtomicLong> writes = new ConcurrentHashMap<>();
    private final Map<String, Refreshed> refreshed = new ConcurrentHashMap<>();

    private record Refreshed(long atNanos, long writes) {
    }

    public ElasticsearchQueueStore(ElasticsearchConnection connection) {
        this.connection = connection;
        this.failures = new ElasticsearchFailures(connection.settings());
    }

    /** Refreshes the queue first, so the scan sees every change made before it (the last pass's among them). */
    @Override
    public QueueScan scan(QueueQuery query) {
        refresh(query.index());
        return PointInTimeScan.open(connection, failures, query);
    }

    /** Refreshes the queue first, so documents stored or failed a moment ago are not counted as eligible. */
    @Override
    public long countEligible(QueueQuery query) {
        refresh(query.index());
        try {
            Map<String, Object> answer = connection.send("POST", "/" + query.index() + "/_count",
                    Map.of("query", EligibilityQuery.of(query.selection(), query.now())));
            return JsonPath.number(answer, "count").orElseThrow(() -> new IOException("no count in the answer"));
        } catch (ElasticsearchException e) {
            if (ElasticsearchFailures.isIndexNotFound(e)) {
                return 0;
            }
            throw failures.unavailable("count queue documents in " + query.index(), e);
        } catch (IOException e) {
            throw failures.unavailable("count queue documents in " + query.index(), e);
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
            connection.send("POST", "/" + queueIndex + "/_refresh?ignore_unavailable=true&allow_no_indices=true",
                    null);
        } catch (ElasticsearchException e) {
            if (!ElasticsearchFailures.isIndexNotFound(e)) {
                throw failures.unavailable("refresh " + queueIndex, e);
            }
        } catch (IOException e) {
            throw failures.unavailable("refresh " + queueIndex, e);
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
        List<BulkItem> items = conditionalIndex(queueIndex, leased, "claim documents");
        List<QueuedDocument> claimed = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            QueuedDocument document = documents.get(i);
            BulkItem item = items.get(i);
            if (!item.failed() && item.seqNo() != null && item.primaryTerm() != null) {
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
        List<String> indexErrors = indexResults(completed);
        List<CompletedDocument> stored = new ArrayList<>();
        for (int i = 0; i < completed.size(); i++) {
            if (indexErrors.get(i) == null) {
                stored.add(completed.get(i));
            }
        }
        Map<String, String> deleteErrors = deleteFromQueue(queueIndex, stored);
        List<WriteOutcome> outcomes = new ArrayList<>(completed.size());
        for (int i = 0; i < completed.size(); i++) {
            String id = completed.get(i).queued().id();
            if (indexErrors.get(i) != null) {
                outcomes.add(WriteOutcome.notStored(id, indexErrors.get(i)));
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
        List<BulkItem> items = conditionalUpdates(queueIndex, documents,
                d -> failureChange(byId.get(d.id())), "record failures");
        logUnapplied(documents, items, "Failure not recorded");
    }

    @Override
    public List<String> setAside(String queueIndex, List<CompletedDocument> completed) {
        List<QueuedDocument> documents = completed.stream().map(CompletedDocument::queued).toList();
        Map<String, Map<String, Object>> resultById = new HashMap<>();
        completed.forEach(c -> resultById.put(c.queued().id(), c.result()));
        List<BulkItem> items = conditionalUpdates(queueIndex, documents, d -> {
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
        Map<String, Object> change = meta(noClaim);
        List<BulkItem> items = conditionalUpdates(queueIndex, documents, d -> change, "release claims");
        logUnapplied(documents, items, "Claim not released");
    }

    /** Indexes each result under its queue document's id; returns per input the error, or null when stored. */
    private List<String> indexResults(List<CompletedDocument> completed) {
        List<BulkOperation> operations = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < completed.size(); i++) {
            CompletedDocument document = completed.get(i);
            if (document.targetIndex() == null || document.targetIndex().isBlank()) {
                errors.add("no target index to store the result in");
                continue;
            }
            errors.add(null);
            positions.add(i);
            operations.add(BulkOperation.index(document.targetIndex(), document.queued().id(), document.result()));
        }
        if (operations.isEmpty()) {
            return errors;
        }
        List<BulkItem> items = bulk(operations, "store results");
        for (int k = 0; k < items.size(); k++) {
            BulkItem item = items.get(k);
            if (item.error() != null) {
                errors.set(positions.get(k), failures.reason(item.error()));
            }
        }
        return errors;
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
                .map(q -> BulkOperation.deleteIfUnchanged(queueIndex, q.id(), q.seqNo(), q.primaryTerm()))
                .toList();
        List<BulkItem> items = queueBulk(queueIndex, operations, "remove stored documents from " + queueIndex);
        for (int i = 0; i < items.size(); i++) {
            BulkItem item = items.get(i);
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

    private List<BulkItem> conditionalIndex(String queueIndex, List<QueuedDocument> documents,
                                                    String action) {
        if (documents.isEmpty()) {
            return List.of();
        }
        List<BulkOperation> operations = documents.stream()
                .map(d -> BulkOperation.indexIfUnchanged(queueIndex, d.id(), d.seqNo(), d.primaryTerm(), d.source()))
                .toList();
        return queueBulk(queueIndex, operations, action + " in " + queueIndex);
    }

    private List<BulkItem> conditionalUpdates(String queueIndex, List<QueuedDocument> documents,
                                                      Function<QueuedDocument, Map<String, Object>> change,
                                                      String action) {
        if (documents.isEmpty()) {
            return List.of();
        }
        List<BulkOperation> operations = documents.stream()
                .map(d -> BulkOperation.updateIfUnchanged(queueIndex, d.id(), d.seqNo(), d.primaryTerm(),
                        change.apply(d)))
                .toList();
        return queueBulk(queueIndex, operations, action + " in " + queueIndex);
    }

    /**
     * A bulk that changes the queue index: every claim, failure record, release and removal goes through here, and
     * is counted once it has ended (however it ended), so a refresh that overlapped it is not taken as fresh.
     */
    private List<BulkItem> queueBulk(String queueIndex, List<BulkOperation> operations, String action) {
        try {
            return bulk(operations, action);
        } finally {
            writesTo(queueIndex).incrementAndGet();
        }
    }

    private List<BulkItem> bulk(List<BulkOperation> operations, String action) {
        List<BulkItem> items;
        long started = System.nanoTime();
        try {
            items = connection.bulk(operations, false);
        } catch (ElasticsearchException | IOException e) {
            throw failures.unavailable(action, e);
        }
        LOG.debug("Elasticsearch bulk to {} ({} operations) answered in {} ms", action, operations.size(),
                (System.nanoTime() - started) / 1_000_000);
        return items;
    }

    private void logUnapplied(List<QueuedDocument> documents, List<BulkItem> items, String what) {
        for (int i = 0; i < items.size(); i++) {
            BulkItem item = items.get(i);
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
        return meta(fields);
    }

    private static Map<String, Object> meta(Map<String, Object> fields) {
        return Map.of(QueueFields.META, fields);
    }
}
