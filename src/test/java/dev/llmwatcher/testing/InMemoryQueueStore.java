package dev.llmwatcher.testing;

import dev.llmwatcher.backfill.BackfillProgress;
import dev.llmwatcher.backfill.BackfillRecord;
import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.backfill.EnqueueResult;
import dev.llmwatcher.backfill.QueueEntry;
import dev.llmwatcher.backfill.SourceDocument;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.cache.AnswerCache;
import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.QueuePart;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.SortField;
import dev.llmwatcher.queue.SourceVersion;
import dev.llmwatcher.queue.WriteOutcome;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The queue port kept in memory, with the rules the Elasticsearch adapter follows: every queue change is
 * conditional on the {@code _seq_no}/{@code _primary_term} the caller read (a stale one is a conflict, left out of
 * the answer), eligibility follows the selection, the claims' leases and the retry time, scans are a point-in-time
 * snapshot read in pages in the configured sort order, and dates are stored as Elasticsearch stores ours (ISO-8601
 * with milliseconds). It lets the engine's concurrency, deadline and back-pressure rules be tested in milliseconds.
 *
 * <p>Back-pressure is scripted: the next result bulks can answer every item pushed back (HTTP 429 per item) or
 * fail as a whole with {@link QueueBusyException}, and so can the next failure-record and release bulks; setting
 * results aside can be refused. Every write is recorded in {@link #events()}, in order, so a test can tell what was
 * written when.
 *
 * <p>{@code InMemoryQueueStoreTest} holds it to the queue port's contract ({@code AbstractQueueStoreTest}), the one
 * the Elasticsearch adapter is held to; {@code InMemoryAnswerCacheTest} does the same for the answer cache.
 *
 * <p>It is also the answer cache: answers travel with their results and are kept when the result bulk is written,
 * as in Elasticsearch; {@link #lookups()} counts the look-ups.
 */
public final class InMemoryQueueStore implements QueueStore, BatchQueue, AnswerCache, BackfillStore {

    /** One write the engine asked for: the operation and the ids it named, in order. */
    public record Event(String operation, List<String> ids) {
    }

    private record Versioned(long seqNo, long primaryTerm, Map<String, Object> source) {
    }

    private static final long PRIMARY_TERM = 1;

    private final Map<String, LinkedHashMap<String, Versioned>> queues = new HashMap<>();
    private final Map<String, LinkedHashMap<String, Map<String, Object>>> targets = new HashMap<>();
    /** The {@code _seq_no} of each document in a target index (the primary term is always 1). */
    private final Map<String, Map<String, Long>> targetSeqNos = new HashMap<>();
    private final Map<String, LinkedHashMap<String, BackfillRecord>> backfillRecords = new HashMap<>();
    private final Map<String, String> rejectedResults = new HashMap<>();
    private final List<Event> events = new ArrayList<>();
    private long nextSeqNo;
    private int pushedBackBulks;
    private int busyBulks;
    private int busyFailureBulks;
    private int busyReleaseBulks;
    private boolean setAsideRefused;
    private final Map<CacheKey, CachedAnswer> answers = new HashMap<>();
    private int lookups;
    private boolean lookupsRefused;

    /** Puts a document in a queue index (as the pipeline would), replacing one with the same id. */
    public synchronized void queue(String queueIndex, String id, Map<String, Object> source) {
        queues.computeIfAbsent(queueIndex, i -> new LinkedHashMap<>()).put(id, versioned(source));
    }

    @Override
    public synchronized Map<CacheKey, CachedAnswer> lookup(Collection<CacheKey> keys) {
        lookups++;
        if (lookupsRefused) {
            throw new QueueUnavailableException("look answers up: HTTP 403 security_exception (scripted)", true, null);
        }
        Map<CacheKey, CachedAnswer> found = new HashMap<>();
        keys.stream().filter(answers::containsKey).forEach(key -> found.put(key, answers.get(key)));
        return found;
    }

    /** Every look-up from now on fails as one without the privilege to read the cache would. */
    public synchronized void refuseLookups() {
        lookupsRefused = true;
    }

    /** Look-ups made so far: one per page of documents, not one per document. */
    public synchronized int lookups() {
        return lookups;
    }

    /** The cached answers, by key. */
    public synchronized Map<CacheKey, CachedAnswer> cachedAnswers() {
        return Map.copyOf(answers);
    }

    /** Puts an answer in the cache, e.g. one an older version cached, or one answered long ago. */
    public synchronized void cache(CacheKey key, CachedAnswer answer) {
        answers.put(key, answer);
    }

    /** The next {@code bulks} result bulks answer every item with a 429 ({@link WriteOutcome#pushedBack}). */
    public synchronized void pushBackResultBulks(int bulks) {
        pushedBackBulks = bulks;
    }

    /** The next {@code bulks} result bulks fail as a whole with {@link QueueBusyException} (HTTP 429 or 503). */
    public synchronized void rejectResultBulksAsBusy(int bulks) {
        busyBulks = bulks;
    }

    /** The next {@code bulks} failure-record bulks fail as a whole with {@link QueueBusyException}. */
    public synchronized void rejectFailureRecordsAsBusy(int bulks) {
        busyFailureBulks = bulks;
    }

    /** The next {@code bulks} release bulks fail as a whole with {@link QueueBusyException}. */
    public synchronized void rejectReleasesAsBusy(int bulks) {
        busyReleaseBulks = bulks;
    }

    /** The result for {@code id} is refused by its target index for good (a mapping conflict, say). */
    public synchronized void rejectResult(String id, String reason) {
        rejectedResults.put(id, reason);
    }

    /** Setting results aside fails as a whole with {@link QueueBusyException}. */
    public synchronized void refuseSetAside() {
        setAsideRefused = true;
    }

    /** Every write asked for so far, in order. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Result bulks asked for so far, whatever they answered. */
    public synchronized long resultBulks() {
        return events.stream().filter(e -> e.operation().equals("store")).count();
    }

    /** The queue document as it is now. */
    public synchronized Optional<QueuedDocument> queued(String queueIndex, String id) {
        Versioned stored = queue(queueIndex).get(id);
        return Optional.ofNullable(stored).map(v -> new QueuedDocument(id, v.seqNo(), v.primaryTerm(), v.source()));
    }

    /** Deletes a queue document behind the engine's back, as another run that stored it would. */
    public synchronized void remove(String queueIndex, String id) {
        queue(queueIndex).remove(id);
    }

    /** The {@code _llm_watcher} object of a queue document as it is now. */
    public Map<String, Object> meta(String queueIndex, String id) {
        return queued(queueIndex, id).orElseThrow(() -> new AssertionError(id + " is not queued")).meta();
    }

    public synchronized int queueSize(String queueIndex) {
        return queue(queueIndex).size();
    }

    /** A result stored in a target index. */
    public synchronized Optional<Map<String, Object>> stored(String targetIndex, String id) {
        return Optional.ofNullable(targets.getOrDefault(targetIndex, new LinkedHashMap<>()).get(id));
    }

    public synchronized int storedCount(String targetIndex) {
        return targets.getOrDefault(targetIndex, new LinkedHashMap<>()).size();
    }

    @Override
    public synchronized QueueScan scan(QueueQuery query) {
        if (query.pageSize() < 1) {
            throw new IllegalArgumentException("page size must be at least 1: " + query.pageSize());
        }
        List<QueuedDocument> eligible = eligible(query).stream().filter(d -> inPart(d, query.part())).toList();
        return new SnapshotScan(eligible, query.pageSize());
    }

    @Override
    public synchronized long countEligible(QueueQuery query) {
        return eligible(query).size();
    }

    @Override
    public synchronized long drainersWorking(String queueIndex, Instant now) {
        return queue(queueIndex).values().stream()
                .map(v -> v.source().get(QueuedDocument.META_FIELD) instanceof Map<?, ?> meta
                        && meta.get(QueueFields.CLAIM) instanceof Map<?, ?> claim
                        && claim.get(QueueFields.CLAIM_UNTIL) instanceof String until
                        && !Instant.parse(until).isBefore(now) ? claim.get(QueueFields.CLAIM_OWNER) : null)
                .filter(java.util.Objects::nonNull).distinct().count();
    }

    @Override
    public synchronized List<QueuedDocument> claim(String queueIndex, List<QueuedDocument> documents, Claim claim) {
        events.add(event("claim", documents.stream().map(QueuedDocument::id).toList()));
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put(QueueFields.CLAIM_OWNER, claim.owner());
        lease.put(QueueFields.CLAIM_UNTIL, iso(claim.until()));
        List<QueuedDocument> claimed = new ArrayList<>();
        for (QueuedDocument document : documents) {
            if (!unchanged(queueIndex, document)) {
                continue;
            }
            Map<String, Object> source = new LinkedHashMap<>(document.source());
            Map<String, Object> meta = new LinkedHashMap<>(document.meta());
            meta.put(QueueFields.CLAIM, lease);
            source.put(QueueFields.META, meta);
            Versioned written = versioned(source);
            queue(queueIndex).put(document.id(), written);
            claimed.add(document.atVersion(written.seqNo(), written.primaryTerm()));
        }
        return claimed;
    }

    @Override
    public synchronized List<WriteOutcome> store(String queueIndex, List<CompletedDocument> completed) {
        events.add(event("store", completed.stream().map(c -> c.queued().id()).toList()));
        if (busyBulks > 0) {
            busyBulks--;
            throw new QueueBusyException("store results: HTTP 429 es_rejected_execution_exception", null);
        }
        if (pushedBackBulks > 0) {
            pushedBackBulks--;
            return completed.stream().map(c -> WriteOutcome.pushedBack(c.queued().id(),
                    "es_rejected_execution_exception: rejected execution (queue capacity 1)")).toList();
        }
        List<WriteOutcome> outcomes = new ArrayList<>();
        Map<CacheKey, CachedAnswer> written = new HashMap<>();
        completed.forEach(document -> document.cacheEntry().ifPresent(entry -> written.putIfAbsent(entry.key(),
                entry.answer())));
        answers.putAll(written);
        for (CompletedDocument document : completed) {
            String id = document.queued().id();
            if (document.targetIndex() == null || document.targetIndex().isBlank()) {
                outcomes.add(WriteOutcome.notStored(id, "no target index to store the result in"));
            } else if (rejectedResults.containsKey(id)) {
                outcomes.add(WriteOutcome.notStored(id, rejectedResults.get(id)));
            } else if (SourceVersion.of(document.queued()).filter(v -> !atVersion(document.targetIndex(), id, v))
                    .isPresent()) {
                outcomes.add(superseded(queueIndex, document));
            } else {
                write(document.targetIndex(), id, document.result());
                if (unchanged(queueIndex, document.queued())) {
                    queue(queueIndex).remove(id);
                    outcomes.add(WriteOutcome.done(id));
                } else {
                    outcomes.add(WriteOutcome.storedNotRemoved(id,
                            "stored, but the queue document changed since it was claimed, so it was kept"));
                }
            }
        }
        return outcomes;
    }

    /** Writes a document in an index as the application would (a new version), e.g. one to backfill. */
    public synchronized void write(String index, String id, Map<String, Object> source) {
        targets.computeIfAbsent(index, i -> new LinkedHashMap<>()).put(id, new LinkedHashMap<>(source));
        targetSeqNos.computeIfAbsent(index, i -> new HashMap<>()).put(id, nextSeqNo++);
    }

    /** Deletes a document from an index as the application would. */
    public synchronized void deleteStored(String index, String id) {
        targets.getOrDefault(index, new LinkedHashMap<>()).remove(id);
        targetSeqNos.getOrDefault(index, new HashMap<>()).remove(id);
    }

    private boolean atVersion(String index, String id, SourceVersion version) {
        Long seqNo = targetSeqNos.getOrDefault(index, Map.of()).get(id);
        return seqNo != null && seqNo == version.seqNo() && version.primaryTerm() == PRIMARY_TERM;
    }

    /** The application changed or deleted the source since it was queued: its write wins. */
    private WriteOutcome superseded(String queueIndex, CompletedDocument document) {
        String id = document.queued().id();
        Map<String, Object> current = targets.getOrDefault(document.targetIndex(), new LinkedHashMap<>()).get(id);
        boolean unchanged = unchanged(queueIndex, document.queued());
        if (current == null) {
            if (unchanged) {
                queue(queueIndex).remove(id);
            }
            return WriteOutcome.sourceDeleted(id, unchanged);
        }
        if (unchanged) {
            SourceVersion now = new SourceVersion(targetSeqNos.get(document.targetIndex()).get(id), PRIMARY_TERM);
            queue(queueIndex).put(id, versioned(now.requeue(document.queued(), current)));
        }
        return WriteOutcome.sourceChanged(id, unchanged);
    }

    @Override
    public synchronized long countMatching(SourceSelection selection) {
        return matching(selection).size();
    }

    @Override
    public synchronized SourceScan scanSource(SourceSelection selection, int slices, int pageSize) {
        if (slices < 1 || pageSize < 1) {
            throw new IllegalArgumentException("slices and page size must be at least 1: " + slices + ", "
                    + pageSize);
        }
        List<List<SourceDocument>> bySlice = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            bySlice.add(new ArrayList<>());
        }
        List<SourceDocument> all = matching(selection);
        for (int i = 0; i < all.size(); i++) {
            bySlice.get(i % slices).add(all.get(i));
        }
        return new SlicedSnapshot(bySlice, pageSize);
    }

    @Override
    public synchronized EnqueueResult enqueue(String queueIndex, List<QueueEntry> entries) {
        events.add(event("enqueue", entries.stream().map(QueueEntry::id).toList()));
        long created = 0;
        long already = 0;
        for (QueueEntry entry : entries) {
            if (queue(queueIndex).containsKey(entry.id())) {
                already++;
            } else {
                queue(queueIndex, entry.id(), entry.source());
                created++;
            }
        }
        return new EnqueueResult(created, already, 0, Map.of());
    }

    @Override
    public synchronized List<BackfillProgress> progress(String queueIndex) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        queue(queueIndex).forEach((id, v) -> {
            QueuedDocument document = new QueuedDocument(id, v.seqNo(), v.primaryTerm(), v.source());
            if (document.meta().get(QueueFields.BACKFILL) instanceof String backfill) {
                counts.computeIfAbsent(backfill, b -> new long[2])[document.meta().get(QueueFields.ERROR) == null
                        ? 0 : 1]++;
            }
        });
        List<BackfillProgress> progress = new ArrayList<>();
        counts.forEach((backfill, c) -> progress.add(new BackfillProgress(backfill, c[0], c[1])));
        return progress;
    }

    @Override
    public synchronized void recordBackfill(String queueIndex, BackfillRecord record) {
        backfillRecords.computeIfAbsent(queueIndex, q -> new LinkedHashMap<>()).put(record.backfill(), record);
    }

    @Override
    public synchronized List<BackfillRecord> backfillRecords(String queueIndex) {
        List<BackfillRecord> records = new ArrayList<>(backfillRecords.getOrDefault(queueIndex, new LinkedHashMap<>())
                .values());
        records.sort(Comparator.comparing(BackfillRecord::startedAt).reversed());
        return records;
    }

    /** The documents of the selection's index (or of every index a trailing-{@code *} pattern names). */
    private List<SourceDocument> matching(SourceSelection selection) {
        String from = selection.from();
        List<SourceDocument> matching = new ArrayList<>();
        targets.forEach((index, documents) -> {
            boolean named = from.endsWith("*") ? index.startsWith(from.substring(0, from.length() - 1))
                    : index.equals(from);
            if (named) {
                documents.forEach((id, source) -> {
                    if (FakeQuery.matches(selection.query(), source)) {
                        matching.add(new SourceDocument(index, id, targetSeqNos.get(index).get(id), PRIMARY_TERM,
                                new LinkedHashMap<>(source)));
                    }
                });
            }
        });
        return matching;
    }

    @Override
    public synchronized List<String> setAside(String queueIndex, List<CompletedDocument> completed) {
        events.add(event("setAside", completed.stream().map(c -> c.queued().id()).toList()));
        if (setAsideRefused) {
            throw new QueueBusyException("set results aside: HTTP 429 es_rejected_execution_exception", null);
        }
        Map<String, Map<String, Object>> results = new HashMap<>();
        completed.forEach(c -> results.put(c.queued().id(), c.result()));
        return update(queueIndex, completed.stream().map(CompletedDocument::queued).toList(), document -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put(QueueFields.PENDING_RESULT, new LinkedHashMap<>(results.get(document.id())));
            fields.put(QueueFields.CLAIM, null);
            return fields;
        });
    }

    @Override
    public synchronized void recordFailures(String queueIndex, List<FailureRecord> failures) {
        events.add(event("recordFailures", failures.stream().map(f -> f.queued().id()).toList()));
        if (busyFailureBulks > 0) {
            busyFailureBulks--;
            throw new QueueBusyException("record failures: HTTP 503 unavailable_shards_exception", null);
        }
        Map<String, FailureRecord> byId = new HashMap<>();
        failures.forEach(f -> byId.put(f.queued().id(), f));
        update(queueIndex, failures.stream().map(FailureRecord::queued).toList(), document -> {
            FailureRecord failure = byId.get(document.id());
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put(QueueFields.ERROR, failure.error() == null || failure.error().isBlank() ? "unknown error"
                    : failure.error());
            fields.put(QueueFields.ATTEMPTS, failure.attempts());
            fields.put(QueueFields.LAST_ATTEMPT_AT, iso(failure.attemptedAt()));
            fields.put(QueueFields.NEXT_ATTEMPT_AT, iso(failure.nextAttemptAt()));
            fields.put(QueueFields.PARKED, failure.parked());
            fields.put(QueueFields.CLAIM, null);
            fields.put(QueueFields.BATCH, null);
            return fields;
        });
    }

    @Override
    public synchronized void release(String queueIndex, List<QueuedDocument> documents) {
        events.add(event("release", documents.stream().map(QueuedDocument::id).toList()));
        if (busyReleaseBulks > 0) {
            busyReleaseBulks--;
            throw new QueueBusyException("release claims: HTTP 429 es_rejected_execution_exception", null);
        }
        Map<String, Object> noClaim = new HashMap<>();
        noClaim.put(QueueFields.CLAIM, null);
        noClaim.put(QueueFields.BATCH, null);
        update(queueIndex, documents, document -> noClaim);
    }

    @Override
    public synchronized QueueScan scan(QueueQuery query, String provider) {
        return new SnapshotScan(eligible(query).stream().filter(d -> provider.equals(d.meta().get(
                QueueFields.PROVIDER))).toList(), query.pageSize());
    }

    @Override
    public synchronized long countEligible(QueueQuery query, String provider) {
        return eligible(query).stream().filter(d -> provider.equals(d.meta().get(QueueFields.PROVIDER))).count();
    }

    @Override
    public synchronized List<QueuedDocument> enterSubmission(String queueIndex, List<QueuedDocument> documents,
                                                             String submission, Instant submittedAt, Claim claim) {
        events.add(event("enterSubmission", documents.stream().map(QueuedDocument::id).toList()));
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put(QueueFields.BATCH_SUBMISSION, submission);
        batch.put(QueueFields.BATCH_SUBMITTED_AT, iso(submittedAt));
        batch.put(QueueFields.BATCH_ID, null);
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put(QueueFields.CLAIM_OWNER, claim.owner());
        lease.put(QueueFields.CLAIM_UNTIL, iso(claim.until()));
        return atNewVersions(queueIndex, documents, update(queueIndex, documents, document -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put(QueueFields.CLAIM, lease);
            fields.put(QueueFields.BATCH, batch);
            return fields;
        }));
    }

    @Override
    public synchronized List<QueuedDocument> recordBatchId(String queueIndex, List<QueuedDocument> documents,
                                                           String batchId) {
        events.add(event("recordBatchId", documents.stream().map(QueuedDocument::id).toList()));
        return atNewVersions(queueIndex, documents, update(queueIndex, documents, document -> {
            Map<String, Object> batch = meta(queueIndex, document.id()).get(QueueFields.BATCH) instanceof Map<?, ?> m
                    ? copy(m) : new LinkedHashMap<>();
            batch.put(QueueFields.BATCH_ID, batchId);
            return Map.of(QueueFields.BATCH, batch);
        }));
    }

    @Override
    public synchronized List<OpenSubmission> openSubmissions(String queueIndex) {
        Map<String, List<QueuedDocument>> bySubmission = new LinkedHashMap<>();
        queue(queueIndex).forEach((id, v) -> {
            QueuedDocument document = new QueuedDocument(id, v.seqNo(), v.primaryTerm(), v.source());
            if (document.meta().get(QueueFields.BATCH) instanceof Map<?, ?> batch
                    && batch.get(QueueFields.BATCH_SUBMISSION) instanceof String submission) {
                bySubmission.computeIfAbsent(submission, k -> new ArrayList<>()).add(document);
            }
        });
        List<OpenSubmission> open = new ArrayList<>();
        bySubmission.forEach((submission, documents) -> {
            Map<?, ?> batch = (Map<?, ?>) documents.getFirst().meta().get(QueueFields.BATCH);
            open.add(new OpenSubmission(submission, documents.stream()
                    .map(d -> ((Map<?, ?>) d.meta().get(QueueFields.BATCH)).get(QueueFields.BATCH_ID))
                    .filter(String.class::isInstance).map(String.class::cast).findFirst(), documents.size(),
                    Instant.parse((String) batch.get(QueueFields.BATCH_SUBMITTED_AT))));
        });
        return open;
    }

    @Override
    public synchronized List<QueuedDocument> submissionDocuments(String queueIndex, String submission) {
        List<QueuedDocument> documents = new ArrayList<>();
        queue(queueIndex).forEach((id, v) -> {
            QueuedDocument document = new QueuedDocument(id, v.seqNo(), v.primaryTerm(), v.source());
            if (document.meta().get(QueueFields.BATCH) instanceof Map<?, ?> batch
                    && submission.equals(batch.get(QueueFields.BATCH_SUBMISSION))) {
                documents.add(document);
            }
        });
        return documents;
    }

    /** The documents whose change applied ({@code ids}), as the caller read them, at the version the change made. */
    private List<QueuedDocument> atNewVersions(String queueIndex, List<QueuedDocument> documents, List<String> ids) {
        return documents.stream().filter(document -> ids.contains(document.id())).map(document -> {
            Versioned now = queue(queueIndex).get(document.id());
            return document.atVersion(now.seqNo(), now.primaryTerm());
        }).toList();
    }

    /** A partial update of {@code _llm_watcher} on each document still at its read version; returns the ids done. */
    private List<String> update(String queueIndex, List<QueuedDocument> documents,
                                Function<QueuedDocument, Map<String, Object>> metaChange) {
        List<String> applied = new ArrayList<>();
        for (QueuedDocument document : documents) {
            if (!unchanged(queueIndex, document)) {
                continue;
            }
            Versioned current = queue(queueIndex).get(document.id());
            Map<String, Object> source = new LinkedHashMap<>(current.source());
            Map<String, Object> meta = source.get(QueueFields.META) instanceof Map<?, ?> m
                    ? copy(m) : new LinkedHashMap<>();
            meta.putAll(metaChange.apply(document));
            source.put(QueueFields.META, meta);
            queue(queueIndex).put(document.id(), versioned(source));
            applied.add(document.id());
        }
        return applied;
    }

    private boolean unchanged(String queueIndex, QueuedDocument document) {
        Versioned current = queue(queueIndex).get(document.id());
        return current != null && current.seqNo() == document.seqNo()
                && current.primaryTerm() == document.primaryTerm();
    }

    private List<QueuedDocument> eligible(QueueQuery query) {
        List<QueuedDocument> eligible = new ArrayList<>();
        queue(query.index()).forEach((id, v) -> {
            QueuedDocument document = new QueuedDocument(id, v.seqNo(), v.primaryTerm(), v.source());
            if (isEligible(document.meta(), query.selection(), query.now()) && query.excludedProvider()
                    .filter(provider -> provider.equals(document.meta().get(QueueFields.PROVIDER))).isEmpty()
                    && query.models().matches(document.meta().get(QueueFields.MODEL))) {
                eligible.add(document);
            }
        });
        SortField.parse(query.sortField()).ifPresent(field -> eligible.sort(bySortValue(field.name())));
        return eligible;
    }

    /** A document's part follows its sequence number, as Elasticsearch's slice on {@code _seq_no} does. */
    private static boolean inPart(QueuedDocument document, QueuePart part) {
        long mixed = document.seqNo() * 0x9E3779B97F4A7C15L;
        return part.isWhole() || Math.floorMod(mixed ^ (mixed >>> 32), part.count()) == part.id();
    }

    private static boolean isEligible(Map<String, Object> meta, Selection selection, Instant now) {
        if (Boolean.TRUE.equals(meta.get(QueueFields.PARKED))) {
            return false;
        }
        if (meta.get(QueueFields.CLAIM) instanceof Map<?, ?> claim && claim.get(QueueFields.CLAIM_UNTIL) != null
                && !Instant.parse((String) claim.get(QueueFields.CLAIM_UNTIL)).isBefore(now)) {
            return false;
        }
        boolean errored = meta.get(QueueFields.ERROR) != null;
        if (selection == Selection.NEW) {
            return !errored;
        }
        Object next = meta.get(QueueFields.NEXT_ATTEMPT_AT);
        return errored && (next == null || !Instant.parse((String) next).isAfter(now));
    }

    /** Ascending, documents without the field last, then in the order they were queued (a stable sort). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Comparator<QueuedDocument> bySortValue(String field) {
        Function<QueuedDocument, Comparable> value = d -> (Comparable) d.source().get(field);
        return Comparator.comparing(value, Comparator.nullsLast((a, b) -> a instanceof Number x && b instanceof Number y
                ? Double.compare(x.doubleValue(), y.doubleValue()) : a.compareTo(b)));
    }

    private LinkedHashMap<String, Versioned> queue(String queueIndex) {
        return queues.computeIfAbsent(queueIndex, i -> new LinkedHashMap<>());
    }

    private Versioned versioned(Map<String, Object> source) {
        return new Versioned(nextSeqNo++, PRIMARY_TERM, new LinkedHashMap<>(source));
    }

    private static Event event(String operation, List<String> ids) {
        return new Event(operation, List.copyOf(ids));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Map<?, ?> map) {
        return new LinkedHashMap<>((Map<String, Object>) map);
    }

    private static String iso(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** Pages over each slice of the documents a backfill selected when its scan opened. */
    private static final class SlicedSnapshot implements SourceScan {

        private final List<List<SourceDocument>> slices;
        private final int[] positions;
        private final int pageSize;

        SlicedSnapshot(List<List<SourceDocument>> slices, int pageSize) {
            this.slices = slices;
            this.positions = new int[slices.size()];
            this.pageSize = pageSize;
        }

        @Override
        public int slices() {
            return slices.size();
        }

        @Override
        public synchronized List<SourceDocument> nextPage(int slice) {
            List<SourceDocument> documents = slices.get(slice);
            int from = positions[slice];
            int to = Math.min(documents.size(), from + pageSize);
            positions[slice] = to;
            return List.copyOf(documents.subList(from, to));
        }

        @Override
        public void close() {
        }
    }

    /** Pages over the documents that were eligible when the scan opened, at the versions read then. */
    private static final class SnapshotScan implements QueueScan {

        private final List<QueuedDocument> snapshot;
        private final int pageSize;
        private int position;
        private boolean closed;

        SnapshotScan(List<QueuedDocument> snapshot, int pageSize) {
            this.snapshot = snapshot;
            this.pageSize = pageSize;
        }

        @Override
        public long totalEligible() {
            return snapshot.size();
        }

        @Override
        public synchronized List<QueuedDocument> nextPage() {
            if (closed || position >= snapshot.size()) {
                return List.of();
            }
            List<QueuedDocument> page = List.copyOf(snapshot.subList(position,
                    Math.min(snapshot.size(), position + pageSize)));
            position += page.size();
            return page;
        }

        @Override
        public synchronized void close() {
            closed = true;
        }
    }
}
