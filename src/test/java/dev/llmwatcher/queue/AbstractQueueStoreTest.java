package dev.llmwatcher.queue;

import dev.llmwatcher.backfill.SourceDocument;
import dev.llmwatcher.backfill.SourceScan;
import dev.llmwatcher.backfill.SourceSelection;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.ids;
import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

/**
 * The rules of the queue port ({@link QueueStore} and {@link BatchQueue}), stated once for every implementation: one
 * small subclass per implementation supplies its {@link PortFixture} (spring-batch's {@code
 * AbstractJobInstanceDaoTests} is the model). So the in-memory fake the fast engine tests run on cannot drift from
 * the Elasticsearch adapter unnoticed, and a new store starts with the whole contract to pass.
 *
 * <p>Only what the port promises is checked: documents come back in the sort field's order when there is one, in
 * any order otherwise.
 */
public abstract class AbstractQueueStoreTest extends AbstractPortTest {

    /** {@code _llm_watcher} as the pipeline writes it, with {@code extra} fields on top. */
    protected Map<String, Object> meta(Map<String, Object> extra) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("provider", "ollama");
        meta.put("model", "llama3.3");
        meta.put("prompt", "p");
        meta.put("format", new LinkedHashMap<>());
        meta.put("options", null);
        meta.put("_original_index", target);
        meta.putAll(extra);
        return meta;
    }

    protected void queue(String id, Map<String, Object> userFields, Map<String, Object> extraMeta) {
        ports.queue(queue, id, PortFixture.queueDocument(userFields, meta(extraMeta)));
    }

    protected void queue(String id) {
        queue(id, Map.of(), Map.of());
    }

    @SuppressWarnings("unchecked")
    protected Map<String, Object> queueMeta(String id) {
        return (Map<String, Object>) ports.source(queue, id).orElseThrow(() -> new AssertionError(id
                + " is not queued")).get(QueuedDocument.META_FIELD);
    }

    protected List<QueuedDocument> readAll() {
        return scanAll(store, query(queue, Selection.NEW, NOW));
    }

    protected QueuedDocument read(String id) {
        return readAll().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    protected List<QueuedDocument> claimAll() {
        List<QueuedDocument> read = readAll();
        List<QueuedDocument> claimed = store.claim(queue, read, new Claim("test-run", NOW.plusSeconds(300)));
        assertThat(claimed).hasSameSizeAs(read);
        return claimed;
    }

    private Map<String, Object> failed(Instant nextAttemptAt, boolean parked) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("error", "earlier failure");
        meta.put("attempts", 1);
        if (nextAttemptAt != null) {
            meta.put("next_attempt_at", nextAttemptAt.toString());
        }
        meta.put("parked", parked);
        return meta;
    }

    private static Map<String, Object> claimedBy(String owner, Instant until) {
        return Map.of("claim", Map.of("owner", owner, "until", until.toString()));
    }

    // Scans

    @Test
    void aScanPagesThroughMoreDocumentsThanAPageInSortFieldOrder() {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < 25; i++) {
            documents.put("doc-" + i, PortFixture.queueDocument(
                    Map.of("created", NOW.minus(Duration.ofMinutes(i)).toString()), meta(Map.of())));
        }
        ports.queueAll(queue, documents);

        List<Integer> pageSizes = new ArrayList<>();
        List<String> order = new ArrayList<>();
        long total;
        try (QueueScan scan = store.scan(new QueueQuery(queue, Selection.NEW, NOW, Optional.of("created"), 10))) {
            total = scan.totalEligible();
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty(); page = scan.nextPage()) {
                pageSizes.add(page.size());
                order.addAll(ids(page));
            }
        }

        assertThat(total).isEqualTo(25);
        assertThat(pageSizes).containsExactly(10, 10, 5);
        List<String> oldestFirst = new ArrayList<>();
        for (int i = 24; i >= 0; i--) {
            oldestFirst.add("doc-" + i);
        }
        assertThat(order).containsExactlyElementsOf(oldestFirst);
    }

    @Test
    void aScanIsATypedSortedSnapshotWithDocumentsWithoutTheFieldLast() {
        queue("late", Map.of("at", 30), Map.of());
        queue("none", Map.of(), Map.of());
        queue("early", Map.of("at", 10), Map.of());
        queue("middle", Map.of("at", 20), Map.of());

        try (QueueScan scan = store.scan(new QueueQuery(queue, Selection.NEW, NOW, Optional.of("at:long"), 3))) {
            queue("added-later", Map.of("at", 1), Map.of());
            List<QueuedDocument> first = scan.nextPage();
            List<QueuedDocument> second = scan.nextPage();

            assertThat(scan.totalEligible()).isEqualTo(4);
            assertThat(ids(first)).containsExactly("early", "middle", "late");
            assertThat(ids(second)).containsExactly("none");
            assertThat(scan.nextPage()).isEmpty();
        }
    }

    @Test
    void scannedDocumentsCarryTheirVersionAndWholeSource() {
        queue("1", Map.of("message", "hi"), Map.of("prompt", "{{ctx.message}}"));

        List<QueuedDocument> found = readAll();

        assertThat(found).singleElement().satisfies(d -> {
            assertThat(d.seqNo()).isGreaterThanOrEqualTo(0);
            assertThat(d.primaryTerm()).isGreaterThanOrEqualTo(1);
            assertThat(d.userFields()).isEqualTo(Map.of("message", "hi"));
            assertThat(d.meta()).containsEntry("_original_index", target).containsEntry("prompt", "{{ctx.message}}");
        });
    }

    @Test
    void aMissingQueueIndexIsAnEmptyQueueWithoutSubmissions() {
        try (QueueScan scan = store.scan(query(queue, Selection.NEW, NOW))) {
            assertThat(scan.totalEligible()).isZero();
            assertThat(scan.nextPage()).isEmpty();
        }
        try (QueueScan scan = batches.scan(query(queue, Selection.NEW, NOW), "openai")) {
            assertThat(scan.nextPage()).isEmpty();
        }
        assertThat(store.countEligible(query(queue, Selection.RETRY, NOW))).isZero();
        assertThat(batches.countEligible(query(queue, Selection.NEW, NOW), "openai")).isZero();
        assertThat(batches.openSubmissions(queue)).isEmpty();
        assertThat(batches.submissionDocuments(queue, "s-1")).isEmpty();
    }

    @Test
    void aQueryCanLeaveOneProvidersDocumentsOutAndABatchScanTakesOnlyOneProvider() {
        queue("local", Map.of(), Map.of("provider", "ollama"));
        queue("remote-1", Map.of(), Map.of("provider", "openai"));
        queue("remote-2", Map.of(), Map.of("provider", "openai"));
        queue("remote-failed", Map.of(), Map.of("provider", "openai", "error", "earlier failure"));
        QueueQuery all = query(queue, Selection.NEW, NOW);

        assertThat(ids(scanAll(store, all.excluding("openai")))).containsExactly("local");
        assertThat(store.countEligible(all.excluding("openai"))).isEqualTo(1);
        assertThat(store.countEligible(all)).isEqualTo(3);
        List<String> openAi = new ArrayList<>();
        try (QueueScan scan = batches.scan(all, "openai")) {
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty(); page = scan.nextPage()) {
                openAi.addAll(ids(page));
            }
        }
        assertThat(openAi).containsExactlyInAnyOrder("remote-1", "remote-2");
        assertThat(batches.countEligible(all, "openai")).isEqualTo(2);
    }

    // Eligibility

    @Test
    void newTakesNeitherFailuresNorParkedOnesAndRetryTakesDueFailuresOnly() {
        queue("new");
        queue("leased", Map.of(), claimedBy("x", NOW.plusSeconds(10)));
        queue("lease-over", Map.of(), claimedBy("x", NOW.minusSeconds(1)));
        queue("due", Map.of(), failed(NOW.minusSeconds(60), false));
        queue("no-next", Map.of(), failed(null, false));
        queue("later", Map.of(), failed(NOW.plusSeconds(600), false));
        queue("parked", Map.of(), failed(NOW.minusSeconds(60), true));
        queue("parked-new", Map.of(), Map.of("parked", true));

        assertThat(ids(scanAll(store, query(queue, Selection.NEW, NOW)))).containsExactlyInAnyOrder("new",
                "lease-over");
        assertThat(ids(scanAll(store, query(queue, Selection.RETRY, NOW)))).containsExactlyInAnyOrder("due",
                "no-next");
        assertThat(store.countEligible(query(queue, Selection.NEW, NOW))).isEqualTo(2);
        assertThat(store.countEligible(query(queue, Selection.RETRY, NOW))).isEqualTo(2);
        assertThat(store.countEligible(query(queue, Selection.RETRY, NOW.plusSeconds(601)))).isEqualTo(3);
    }

    // Parts: drainers working at the same moment read different documents

    private Map<String, Integer> partsOf(QueueQuery query, int count) {
        Map<String, Integer> parts = new LinkedHashMap<>();
        for (int part = 0; part < count; part++) {
            for (QueuedDocument document : scanAll(store, query.inPart(new QueuePart(part, count)))) {
                assertThat(parts.put(document.id(), part)).as("%s in two parts", document.id()).isNull();
            }
        }
        return parts;
    }

    @Test
    void thePartsOfAQuerySplitItsDocumentsEachInExactlyOnePartAndCountsCountThemAll() {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < 64; i++) {
            documents.put("doc-" + i, PortFixture.queueDocument(Map.of(), meta(Map.of())));
        }
        ports.queueAll(queue, documents);
        QueueQuery all = query(queue, Selection.NEW, NOW);

        Map<String, Integer> parts = partsOf(all, 4);

        assertThat(parts.keySet()).containsExactlyInAnyOrderElementsOf(documents.keySet());
        assertThat(parts.values()).as("every part has some of 64 documents").contains(0, 1, 2, 3);
        assertThat(store.countEligible(all.inPart(new QueuePart(1, 4)))).isEqualTo(64);
        assertThat(partsOf(all, 1)).hasSize(64);
    }

    @Test
    void aWaitingDocumentStaysInItsPartWhileOthersAreClaimedAndReleased() {
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < 32; i++) {
            documents.put("doc-" + i, PortFixture.queueDocument(Map.of(), meta(Map.of())));
        }
        ports.queueAll(queue, documents);
        QueueQuery all = query(queue, Selection.NEW, NOW);
        Map<String, Integer> before = partsOf(all, 8);
        List<QueuedDocument> changed = readAll().subList(0, 16);

        store.release(queue, store.claim(queue, changed, new Claim("run-a", NOW.plusSeconds(300))));
        Map<String, Integer> after = partsOf(all, 8);

        assertThat(after).hasSize(32);
        before.keySet().removeAll(ids(changed));
        assertThat(after).containsAllEntriesOf(before);
    }

    @Test
    void theDrainersWorkingAreTheDistinctOwnersOfClaimsWhoseLeaseHasNotEnded() {
        for (int i = 0; i < 6; i++) {
            queue("doc-" + i);
        }
        assertThat(store.drainersWorking(queue, NOW)).isZero();
        List<QueuedDocument> read = readAll();

        store.claim(queue, read.subList(0, 2), new Claim("pass-a", NOW.plusSeconds(300)));
        store.claim(queue, read.subList(2, 4), new Claim("pass-b", NOW.plusSeconds(60)));
        store.claim(queue, read.subList(4, 5), new Claim("pass-a", NOW.plusSeconds(300)));

        assertThat(store.drainersWorking(queue, NOW)).isEqualTo(2);
        assertThat(store.drainersWorking(queue, NOW.plusSeconds(61))).isEqualTo(1);
        assertThat(store.drainersWorking("no-such-queue-" + queue, NOW)).isZero();
    }

    // Claims

    @Test
    void aClaimedDocumentIsHiddenUntilItsLeaseEnds() {
        queue("1");
        queue("2");

        List<QueuedDocument> claimed = store.claim(queue, List.of(read("1")), new Claim("run-a",
                NOW.plusSeconds(300)));

        assertThat(claimed).hasSize(1);
        assertThat(ids(readAll())).containsExactly("2");
        assertThat(ids(scanAll(store, query(queue, Selection.NEW, NOW.plusSeconds(301)))))
                .containsExactlyInAnyOrder("1", "2");
        assertThat(queueMeta("1")).extractingByKey("claim").isEqualTo(
                Map.of("owner", "run-a", "until", NOW.plusSeconds(300).toString()));
    }

    @Test
    void onlyOneOfTwoClaimsOfTheSameReadVersionWinsAndTheWinnerHasANewVersion() {
        queue("1");
        List<QueuedDocument> read = readAll();

        List<QueuedDocument> first = store.claim(queue, read, new Claim("run-a", NOW.plusSeconds(300)));
        List<QueuedDocument> second = store.claim(queue, read, new Claim("run-b", NOW.plusSeconds(300)));

        assertThat(first).singleElement().satisfies(d -> assertThat(d.seqNo()).isGreaterThan(read.get(0).seqNo()));
        assertThat(second).isEmpty();
        assertThat(queueMeta("1")).extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "run-a");
    }

    @Test
    void aClaimReturnsTheDocumentAsItWasReadAtItsNewVersion() {
        queue("1", Map.of("message", "m"), Map.of());
        QueuedDocument read = read("1");

        QueuedDocument claimed = store.claim(queue, List.of(read), new Claim("run-a", NOW.plusSeconds(300))).get(0);

        assertThat(claimed.id()).isEqualTo("1");
        assertThat(claimed.source()).isEqualTo(read.source());
        store.release(queue, List.of(claimed));
        assertThat(queueMeta("1")).as("the new version is the one stored").containsEntry("claim", null);
    }

    @Test
    void claimingADocumentRemovedSinceItWasReadNeitherClaimsNorRecreatesIt() {
        queue("gone", Map.of("message", "m"), Map.of());
        List<QueuedDocument> read = readAll();
        ports.remove(queue, "gone");

        List<QueuedDocument> claimed = store.claim(queue, read, new Claim("run-a", NOW.plusSeconds(300)));

        assertThat(claimed).isEmpty();
        assertThat(ports.source(queue, "gone")).isEmpty();
    }

    @Test
    void aClaimKeepsTheUsersFieldsAndTheInstructionsIntact() {
        queue("keep", Map.of("message", "I love it!", "stars", 5), Map.of());

        store.claim(queue, readAll(), new Claim("run-a", NOW.plusSeconds(300)));

        assertThat(ports.source(queue, "keep").orElseThrow()).containsEntry("message", "I love it!")
                .containsEntry("stars", 5);
        assertThat(queueMeta("keep")).containsEntry("prompt", "p").containsEntry("_original_index", target)
                .extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "run-a");
    }

    // Write outcomes

    @Test
    void storingWritesTheResultUnderTheSameIdAndRemovesTheQueueDocument() {
        queue("2", Map.of("message", "I love it!"), Map.of());
        List<QueuedDocument> claimed = claimAll();

        List<WriteOutcome> outcomes = store.store(queue, List.of(new CompletedDocument(claimed.get(0), target,
                Map.of("message", "I love it!", "scale", 10))));

        assertThat(outcomes).containsExactly(WriteOutcome.done("2"));
        assertThat(ports.source(target, "2")).contains(Map.of("message", "I love it!", "scale", 10));
        assertThat(ports.source(queue, "2")).isEmpty();
    }

    @Test
    void aResultWithNowhereToGoFailsOnlyItsDocumentAndOutcomesKeepTheirOrder() {
        for (String id : List.of("a", "b", "c")) {
            queue(id);
        }
        Map<String, QueuedDocument> claimed = new LinkedHashMap<>();
        claimAll().forEach(d -> claimed.put(d.id(), d));

        List<WriteOutcome> outcomes = store.store(queue, List.of(
                new CompletedDocument(claimed.get("c"), target, Map.of("n", 3)),
                new CompletedDocument(claimed.get("b"), " ", Map.of("n", 2)),
                new CompletedDocument(claimed.get("a"), target, Map.of("n", 1))));

        assertThat(outcomes).extracting(WriteOutcome::id).containsExactly("c", "b", "a");
        assertThat(outcomes.get(0)).isEqualTo(WriteOutcome.done("c"));
        assertThat(outcomes.get(2)).isEqualTo(WriteOutcome.done("a"));
        assertThat(outcomes.get(1)).isEqualTo(WriteOutcome.notStored("b", "no target index to store the result in"));
        assertThat(ports.source(queue, "b")).isPresent();
        assertThat(ports.source(queue, "a")).isEmpty();
    }

    @Test
    void aResultIsStoredButItsQueueDocumentKeptWhenTheQueueCopyChangedSinceTheClaim() {
        queue("1", Map.of("message", "old"), Map.of());
        QueuedDocument claimed = claimAll().get(0);
        queue("1", Map.of("message", "edited"), Map.of());

        List<WriteOutcome> outcomes = store.store(queue,
                List.of(new CompletedDocument(claimed, target, Map.of("message", "old", "answer", 1))));

        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.stored()).isTrue();
            assertThat(o.removedFromQueue()).isFalse();
            assertThat(o.pushedBack()).isFalse();
            assertThat(o.error()).hasValueSatisfying(r -> assertThat(r).contains("changed since it was claimed"));
        });
        assertThat(ports.source(queue, "1")).hasValueSatisfying(s -> assertThat(s).containsEntry("message",
                "edited"));
        assertThat(ports.source(target, "1")).contains(Map.of("message", "old", "answer", 1));
    }

    @Test
    void settingAResultAsideKeepsItOnTheQueueDocumentAndEndsTheClaimWithoutAnAttempt() {
        queue("aside", Map.of("message", "m"), Map.of());
        queue("stale", Map.of("message", "m"), Map.of());
        QueuedDocument readBeforeTheClaim = read("stale");
        Map<String, QueuedDocument> claimed = new LinkedHashMap<>();
        claimAll().forEach(d -> claimed.put(d.id(), d));

        List<String> setAside = store.setAside(queue, List.of(
                new CompletedDocument(claimed.get("aside"), target, Map.of("message", "m", "scale", 4)),
                new CompletedDocument(readBeforeTheClaim, target, Map.of("message", "m", "scale", 5))));

        assertThat(setAside).containsExactly("aside");
        assertThat(queueMeta("aside")).containsEntry("pending_result", Map.of("message", "m", "scale", 4))
                .containsEntry("claim", null).doesNotContainKey("attempts").doesNotContainKey("error");
        assertThat(queueMeta("stale")).doesNotContainKey("pending_result")
                .extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "test-run");
        assertThat(ids(readAll())).containsExactly("aside");
    }

    // Failure records

    @Test
    void recordingAFailureWritesTheBookkeepingAndEndsTheClaim() {
        queue("1", Map.of("message", "m"), Map.of());
        QueuedDocument claimed = claimAll().get(0);
        Instant attempted = NOW.plusSeconds(1);
        Instant next = NOW.plusSeconds(120);

        store.recordFailures(queue, List.of(new FailureRecord(claimed, "LLM answered HTTP 500", 2, attempted,
                next, false)));

        assertThat(queueMeta("1")).containsEntry("error", "LLM answered HTTP 500").containsEntry("attempts", 2)
                .containsEntry("last_attempt_at", attempted.toString())
                .containsEntry("next_attempt_at", next.toString())
                .containsEntry("parked", false).containsEntry("claim", null)
                .containsEntry("prompt", "p").containsEntry("_original_index", target);
        assertThat(ids(scanAll(store, query(queue, Selection.RETRY, NOW)))).isEmpty();
        assertThat(ids(scanAll(store, query(queue, Selection.RETRY, next)))).containsExactly("1");
    }

    @Test
    void aFailureWithoutAMessageIsRecordedAsAnUnknownErrorAndRetried() {
        queue("1");
        QueuedDocument claimed = claimAll().get(0);

        store.recordFailures(queue, List.of(new FailureRecord(claimed, " ", 1, NOW, NOW, false)));

        assertThat(queueMeta("1")).containsEntry("error", "unknown error");
        assertThat(ids(scanAll(store, query(queue, Selection.RETRY, NOW)))).containsExactly("1");
        assertThat(readAll()).isEmpty();
    }

    @Test
    void aChangeFromAStaleVersionLeavesTheDocumentAsAnotherRunLeftIt() {
        queue("1");
        QueuedDocument read = read("1");
        store.claim(queue, List.of(read), new Claim("one", NOW.plusSeconds(60)));

        store.recordFailures(queue, List.of(new FailureRecord(read, "late", 1, NOW, NOW, false)));
        store.release(queue, List.of(read));

        assertThat(queueMeta("1")).doesNotContainKey("error").extractingByKey("claim").asInstanceOf(MAP)
                .containsEntry("owner", "one");
        queue("1", Map.of("fresh", true), Map.of());
        store.recordFailures(queue, List.of(new FailureRecord(read, "boom", 1, NOW, NOW, false)));
        assertThat(ports.source(queue, "1").orElseThrow()).containsEntry("fresh", true);
        assertThat(queueMeta("1")).doesNotContainKeys("error", "claim");
    }

    @Test
    void releasingEndsTheClaimSoTheDocumentIsEligibleAgainAtOnce() {
        queue("1");
        QueuedDocument claimed = claimAll().get(0);

        store.release(queue, List.of(claimed));

        assertThat(queueMeta("1")).containsEntry("claim", null).doesNotContainKey("attempts");
        assertThat(ids(readAll())).containsExactly("1");
    }

    // Batch bookkeeping

    @Test
    void aSubmissionClaimsItsDocumentsInOneChangeAndIsOpenUntilTheyLeave() {
        for (String id : List.of("stored", "failed", "released", "stale")) {
            queue(id, Map.of(), Map.of("provider", "openai"));
        }
        List<QueuedDocument> read = readAll();
        QueuedDocument stale = read.stream().filter(d -> d.id().equals("stale")).findFirst().orElseThrow();
        store.claim(queue, List.of(stale), new Claim("another-run", NOW.plusSeconds(60)));
        Instant submittedAt = NOW.minusSeconds(5);
        Claim lease = new Claim("test/s-1", NOW.plus(Duration.ofHours(25)));

        List<QueuedDocument> entered = batches.enterSubmission(queue, read, "s-1", submittedAt, lease);

        assertThat(ids(entered)).containsExactlyInAnyOrder("stored", "failed", "released");
        assertThat(entered).as("as read, at their new versions").allSatisfy(d -> assertThat(d.source())
                .isEqualTo(read.stream().filter(r -> r.id().equals(d.id())).findFirst().orElseThrow().source()));
        assertThat(queueMeta("stored")).containsEntry("batch", batch("s-1", submittedAt, null))
                .containsEntry("claim", Map.of("owner", "test/s-1", "until", lease.until().toString()));
        assertThat(batches.countEligible(query(queue, Selection.NEW, NOW), "openai")).isZero();
        assertThat(batches.openSubmissions(queue)).containsExactly(
                new BatchQueue.OpenSubmission("s-1", Optional.empty(), 3, submittedAt));

        List<QueuedDocument> recorded = batches.recordBatchId(queue, entered, "batch_1");

        assertThat(ids(recorded)).containsExactlyInAnyOrderElementsOf(ids(entered));
        assertThat(recorded).allSatisfy(d -> assertThat(d.meta()).doesNotContainKey("batch"));
        assertThat(queueMeta("failed")).containsEntry("batch", batch("s-1", submittedAt, "batch_1"));
        assertThat(batches.openSubmissions(queue)).containsExactly(
                new BatchQueue.OpenSubmission("s-1", Optional.of("batch_1"), 3, submittedAt));
        Map<String, QueuedDocument> current = new LinkedHashMap<>();
        batches.submissionDocuments(queue, "s-1").forEach(d -> current.put(d.id(), d));
        assertThat(current).containsOnlyKeys("stored", "failed", "released");

        store.store(queue, List.of(new CompletedDocument(current.get("stored"), target, Map.of("scale", 1))));
        store.recordFailures(queue, List.of(new FailureRecord(current.get("failed"), "batch line failed", 1, NOW,
                NOW.plusSeconds(60), false)));
        store.release(queue, List.of(current.get("released")));

        assertThat(batches.openSubmissions(queue)).isEmpty();
        assertThat(batches.submissionDocuments(queue, "s-1")).isEmpty();
        assertThat(queueMeta("failed")).containsEntry("batch", null);
        assertThat(queueMeta("released")).containsEntry("batch", null);
        assertThat(ports.source(target, "stored")).contains(Map.of("scale", 1));
    }

    @Test
    void aBatchIdIsRecordedOnlyOnDocumentsStillAtTheVersionTheSubmissionGaveThem() {
        queue("kept", Map.of(), Map.of("provider", "openai"));
        queue("changed", Map.of(), Map.of("provider", "openai"));
        List<QueuedDocument> entered = batches.enterSubmission(queue, readAll(), "s-2", NOW,
                new Claim("test/s-2", NOW.plusSeconds(3600)));
        queue("changed", Map.of("edited", true), Map.of("provider", "openai"));

        List<QueuedDocument> recorded = batches.recordBatchId(queue, entered, "batch_2");

        assertThat(ids(recorded)).containsExactly("kept");
        assertThat(queueMeta("changed")).doesNotContainKey("batch");
        assertThat(batches.openSubmissions(queue)).containsExactly(
                new BatchQueue.OpenSubmission("s-2", Optional.of("batch_2"), 1, NOW));
    }

    private static Map<String, Object> batch(String submission, Instant submittedAt, String batchId) {
        Map<String, Object> batch = new LinkedHashMap<>();
        batch.put("submission", submission);
        batch.put("submitted_at", submittedAt.toString());
        batch.put("id", batchId);
        return batch;
    }

    // Backfilled documents: written back only over the version they were queued at

    /** Writes {@code fields} as the application does, then queues it as a backfill does, at the version read. */
    private QueuedDocument backfilledAndClaimed(String id, Map<String, Object> fields) {
        ports.write(target, Map.of(id, fields));
        SourceDocument read;
        try (SourceScan scan = ports.backfillStore().scanSource(SourceSelection.all(target), 1, 100)) {
            read = scan.nextPage(0).stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        new SourceVersion(read.seqNo(), read.primaryTerm()).writeInto(extra);
        extra.put("backfill", "bf-test");
        queue(id, read.source(), extra);
        return claimAll().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aBackfilledResultIsWrittenOverTheVersionItWasQueuedAt() {
        QueuedDocument claimed = backfilledAndClaimed("b1", Map.of("message", "m"));

        List<WriteOutcome> outcomes = store.store(queue, List.of(new CompletedDocument(claimed, target,
                Map.of("message", "m", "answer", 1))));

        assertThat(outcomes).containsExactly(WriteOutcome.done("b1"));
        assertThat(ports.source(target, "b1")).contains(Map.of("message", "m", "answer", 1));
        assertThat(ports.source(queue, "b1")).isEmpty();
    }

    @Test
    void aBackfilledResultNeverOverwritesTheApplicationsChangeWhichIsQueuedAgainAtItsNewVersion() {
        QueuedDocument claimed = backfilledAndClaimed("b2", Map.of("message", "old"));
        ports.write(target, Map.of("b2", Map.of("message", "edited")));

        List<WriteOutcome> outcomes = store.store(queue, List.of(new CompletedDocument(claimed, target,
                Map.of("message", "old", "answer", 1))));

        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.superseded()).isTrue();
            assertThat(o.stored()).isFalse();
            assertThat(o.pushedBack()).isFalse();
        });
        assertThat(ports.source(target, "b2")).contains(Map.of("message", "edited"));
        assertThat(ports.source(queue, "b2").orElseThrow()).containsEntry("message", "edited");
        assertThat(queueMeta("b2")).containsEntry("prompt", "p").containsEntry("_original_index", target)
                .containsEntry("backfill", "bf-test").doesNotContainKey("claim")
                .doesNotContainEntry("source_seq_no", claimed.meta().get("source_seq_no"));
        QueuedDocument requeued = read("b2");
        List<QueuedDocument> again = store.claim(queue, List.of(requeued), new Claim("next", NOW.plusSeconds(60)));
        assertThat(store.store(queue, List.of(new CompletedDocument(again.getFirst(), target,
                Map.of("message", "edited", "answer", 2))))).containsExactly(WriteOutcome.done("b2"));
        assertThat(ports.source(target, "b2")).contains(Map.of("message", "edited", "answer", 2));
    }

    @Test
    void aBackfilledResultOfADeletedDocumentIsDroppedWithItsQueueDocumentAndNotResurrected() {
        QueuedDocument claimed = backfilledAndClaimed("b3", Map.of("message", "m"));
        ports.delete(target, "b3");

        List<WriteOutcome> outcomes = store.store(queue, List.of(new CompletedDocument(claimed, target,
                Map.of("message", "m", "answer", 1))));

        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.superseded()).isTrue();
            assertThat(o.stored()).isFalse();
            assertThat(o.removedFromQueue()).isTrue();
        });
        assertThat(ports.source(target, "b3")).isEmpty();
        assertThat(ports.source(queue, "b3")).isEmpty();
    }
}
