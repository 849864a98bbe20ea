package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.ids;
import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

class ElasticsearchQueueStoreTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final ElasticsearchQueueStore store = es.queueStore();
    private String queue;
    private String target;

    @BeforeEach
    void uniqueIndices() {
        queue = TestElasticsearch.uniqueIndex("queue");
        target = TestElasticsearch.uniqueIndex("target");
    }

    @Test
    void scanPagesThroughMoreDocumentsThanAPageInSortFieldOrder() {
        Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
        for (int i = 0; i < 25; i++) {
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("created", NOW.minus(Duration.ofMinutes(i)).toString());
            source.put("_llm_watcher", pipelineMeta(target, "p"));
            docs.put("doc-" + i, source);
        }
        es.bulkIndex(queue, docs);
        QueueQuery query = new QueueQuery(queue, Selection.NEW, NOW, Optional.of("created"), 10);

        List<Integer> pageSizes = new ArrayList<>();
        List<String> order = new ArrayList<>();
        long total;
        try (QueueScan scan = store.scan(query)) {
            total = scan.totalEligible();
            for (List<QueuedDocument> page = scan.nextPage(); !page.isEmpty(); page = scan.nextPage()) {
                pageSizes.add(page.size());
                order.addAll(ids(page));
            }
        }

        assertThat(total).isEqualTo(25);
        assertThat(pageSizes).containsExactly(10, 10, 5);
        List<String> expected = new ArrayList<>();
        for (int i = 24; i >= 0; i--) {
            expected.add("doc-" + i);
        }
        assertThat(order).containsExactlyElementsOf(expected);
    }

    @Test
    void scannedDocumentsCarryTheirVersionAndWholeSource() {
        es.indexQueueDocument(queue, "1", Map.of("message", "hi"), pipelineMeta(target, "{{ctx.message}}"));

        List<QueuedDocument> found = scanAll(store, query(queue, Selection.NEW, NOW));

        assertThat(found).singleElement().satisfies(d -> {
            assertThat(d.seqNo()).isGreaterThanOrEqualTo(0);
            assertThat(d.primaryTerm()).isGreaterThanOrEqualTo(1);
            assertThat(d.userFields()).isEqualTo(Map.of("message", "hi"));
            assertThat(d.meta()).containsEntry("_original_index", target);
        });
    }

    @Test
    void newSelectionSkipsErrorsAndRetrySelectionTakesDueErrorsOnly() {
        es.indexQueueDocument(queue, "new", Map.of(), pipelineMeta(target, "p"));
        es.indexQueueDocument(queue, "due", Map.of(), failed(NOW.minusSeconds(60), false));
        es.indexQueueDocument(queue, "no-next", Map.of(), failed(null, false));
        es.indexQueueDocument(queue, "later", Map.of(), failed(NOW.plusSeconds(600), false));
        es.indexQueueDocument(queue, "parked", Map.of(), failed(NOW.minusSeconds(60), true));
        Map<String, Object> parkedNew = pipelineMeta(target, "p");
        parkedNew.put("parked", true);
        es.indexQueueDocument(queue, "parked-new", Map.of(), parkedNew);

        List<QueuedDocument> fresh = scanAll(store, query(queue, Selection.NEW, NOW));
        List<QueuedDocument> retry = scanAll(store, query(queue, Selection.RETRY, NOW));

        assertThat(ids(fresh)).containsExactly("new");
        assertThat(ids(retry)).containsExactlyInAnyOrder("due", "no-next");
        assertThat(store.countEligible(query(queue, Selection.NEW, NOW))).isEqualTo(1);
        assertThat(store.countEligible(query(queue, Selection.RETRY, NOW))).isEqualTo(2);
    }

    @Test
    void claimedDocumentIsHiddenUntilItsLeaseEnds() {
        es.indexQueueDocument(queue, "1", Map.of(), pipelineMeta(target, "p"));
        es.indexQueueDocument(queue, "2", Map.of(), pipelineMeta(target, "p"));
        QueuedDocument first = byId(scanAll(store, query(queue, Selection.NEW, NOW)), "1");

        List<QueuedDocument> claimed = store.claim(queue, List.of(first), new Claim("run-a", NOW.plusSeconds(300)));
        es.refresh(queue);

        assertThat(claimed).singleElement().satisfies(d -> assertThat(d.seqNo()).isGreaterThan(first.seqNo()));
        assertThat(ids(scanAll(store, query(queue, Selection.NEW, NOW)))).containsExactly("2");
        assertThat(ids(scanAll(store, query(queue, Selection.NEW, NOW.plusSeconds(301)))))
                .containsExactlyInAnyOrder("1", "2");
        assertThat(meta("1")).extractingByKey("claim").isEqualTo(
                Map.of("owner", "run-a", "until", NOW.plusSeconds(300).toString()));
    }

    @Test
    void onlyOneOfTwoClaimsOfTheSameReadVersionWins() {
        es.indexQueueDocument(queue, "1", Map.of(), pipelineMeta(target, "p"));
        List<QueuedDocument> read = scanAll(store, query(queue, Selection.NEW, NOW));

        List<QueuedDocument> first = store.claim(queue, read, new Claim("run-a", NOW.plusSeconds(300)));
        List<QueuedDocument> second = store.claim(queue, read, new Claim("run-b", NOW.plusSeconds(300)));

        assertThat(first).hasSize(1);
        assertThat(second).isEmpty();
        assertThat(meta("1")).extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "run-a");
    }

    @Test
    void claimingADocumentRemovedSinceItWasReadNeitherClaimsNorRecreatesIt() {
        es.indexQueueDocument(queue, "gone", Map.of("message", "m"), pipelineMeta(target, "p"));
        List<QueuedDocument> read = scanAll(store, query(queue, Selection.NEW, NOW));
        es.delete("/" + queue + "/_doc/gone?refresh=true");

        List<QueuedDocument> claimed = store.claim(queue, read, new Claim("run-a", NOW.plusSeconds(300)));

        assertThat(claimed).isEmpty();
        assertThat(es.source(queue, "gone")).isEmpty();
    }

    @Test
    void aClaimKeepsTheUsersFieldsAndTheInstructionsIntact() {
        es.indexQueueDocument(queue, "keep", Map.of("message", "I love it!", "stars", 5), pipelineMeta(target, "p"));
        List<QueuedDocument> read = scanAll(store, query(queue, Selection.NEW, NOW));

        store.claim(queue, read, new Claim("run-a", NOW.plusSeconds(300)));

        Map<String, Object> source = es.source(queue, "keep").orElseThrow();
        assertThat(source).containsEntry("message", "I love it!").containsEntry("stars", 5);
        assertThat(meta("keep")).containsEntry("prompt", "p").containsEntry("_original_index", target)
                .extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "run-a");
    }

    @Test
    void storeWritesTheResultUnderTheSameIdAndRemovesTheQueueDocument() {
        es.indexQueueDocument(queue, "2", Map.of("message", "I love it!"), pipelineMeta(target, "p"));
        List<QueuedDocument> claimed = claimAll();

        List<WriteOutcome> outcomes = store.store(queue, List.of(new CompletedDocument(claimed.get(0), target,
                Map.of("message", "I love it!", "scale", 10))));

        assertThat(outcomes).containsExactly(WriteOutcome.done("2"));
        assertThat(es.source(target, "2")).contains(Map.of("message", "I love it!", "scale", 10));
        assertThat(es.source(queue, "2")).isEmpty();
    }

    @Test
    void aMappingConflictFailsOnlyItsDocumentWithElasticsearchsReason() {
        es.put("/" + target, """
                {"mappings": {"properties": {"scale": {"type": "integer"}}}}""");
        for (String id : List.of("a", "b", "c")) {
            es.indexQueueDocument(queue, id, Map.of("message", id), pipelineMeta(target, "p"));
        }
        Map<String, QueuedDocument> claimed = new LinkedHashMap<>();
        claimAll().forEach(d -> claimed.put(d.id(), d));

        List<WriteOutcome> outcomes = store.store(queue, List.of(
                new CompletedDocument(claimed.get("a"), target, Map.of("message", "a", "scale", 7)),
                new CompletedDocument(claimed.get("b"), target, Map.of("message", "b", "scale", "ten")),
                new CompletedDocument(claimed.get("c"), target, Map.of("message", "c", "scale", 3))));

        assertThat(outcomes).extracting(WriteOutcome::id).containsExactly("a", "b", "c");
        assertThat(outcomes.get(0)).isEqualTo(WriteOutcome.done("a"));
        assertThat(outcomes.get(2)).isEqualTo(WriteOutcome.done("c"));
        assertThat(outcomes.get(1).stored()).isFalse();
        assertThat(outcomes.get(1).removedFromQueue()).isFalse();
        assertThat(outcomes.get(1).error()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("parsing_exception").contains("[scale]").contains("integer"));
        assertThat(es.source(target, "b")).isEmpty();
        assertThat(es.source(queue, "b")).isPresent();
        assertThat(es.source(queue, "a")).isEmpty();
        assertThat(es.source(queue, "c")).isEmpty();
    }

    @Test
    void aMissingOrClosedTargetIndexFailsOnlyItsDocument() {
        String closed = TestElasticsearch.uniqueIndex("closed");
        es.put("/" + closed, "{}");
        es.post("/" + closed + "/_close", "");
        es.indexQueueDocument(queue, "ok", Map.of(), pipelineMeta(target, "p"));
        es.indexQueueDocument(queue, "shut", Map.of(), pipelineMeta(closed, "p"));
        Map<String, QueuedDocument> claimed = new LinkedHashMap<>();
        claimAll().forEach(d -> claimed.put(d.id(), d));

        List<WriteOutcome> outcomes = store.store(queue, List.of(
                new CompletedDocument(claimed.get("shut"), closed, Map.of("x", 1)),
                new CompletedDocument(claimed.get("ok"), "Invalid*Name", Map.of("x", 1))));

        assertThat(outcomes.get(0).error()).hasValueSatisfying(r -> assertThat(r).contains("index_closed_exception"));
        assertThat(outcomes.get(1).error()).hasValueSatisfying(r -> assertThat(r).contains("invalid_index_name"));
        assertThat(es.count(queue)).isEqualTo(2);
    }

    @Test
    void storedDocumentStaysQueuedWhenTheQueueCopyChangedSinceTheClaim() {
        es.indexQueueDocument(queue, "1", Map.of("message", "old"), pipelineMeta(target, "p"));
        QueuedDocument claimed = claimAll().get(0);
        es.indexQueueDocument(queue, "1", Map.of("message", "edited"), pipelineMeta(target, "p"));

        List<WriteOutcome> outcomes = store.store(queue,
                List.of(new CompletedDocument(claimed, target, Map.of("message", "old", "answer", 1))));

        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.stored()).isTrue();
            assertThat(o.removedFromQueue()).isFalse();
            assertThat(o.error()).hasValueSatisfying(r -> assertThat(r).contains("changed since it was claimed"));
        });
        assertThat(es.source(queue, "1")).hasValueSatisfying(s -> assertThat(s).containsEntry("message", "edited"));
        assertThat(es.source(target, "1")).isPresent();
    }

    @Test
    void recordFailuresWritesTheBookkeepingAndEndsTheClaim() {
        es.indexQueueDocument(queue, "1", Map.of("message", "m"), pipelineMeta(target, "p"));
        QueuedDocument claimed = claimAll().get(0);
        Instant attempted = NOW.plusSeconds(1);
        Instant next = NOW.plusSeconds(120);

        store.recordFailures(queue, List.of(new FailureRecord(claimed, "LLM answered HTTP 500", 2, attempted,
                next, false)));

        Map<String, Object> meta = meta("1");
        assertThat(meta).containsEntry("error", "LLM answered HTTP 500").containsEntry("attempts", 2)
                .containsEntry("last_attempt_at", attempted.toString())
                .containsEntry("next_attempt_at", next.toString())
                .containsEntry("parked", false).containsEntry("claim", null)
                .containsEntry("prompt", "p").containsEntry("_original_index", target);
        es.refresh(queue);
        assertThat(ids(scanAll(store, query(queue, Selection.RETRY, NOW)))).isEmpty();
        assertThat(ids(scanAll(store, query(queue, Selection.RETRY, next)))).containsExactly("1");
    }

    @Test
    void recordFailuresLeavesADocumentChangedByAnotherRunAlone() {
        es.indexQueueDocument(queue, "1", Map.of(), pipelineMeta(target, "p"));
        QueuedDocument claimed = claimAll().get(0);
        es.indexQueueDocument(queue, "1", Map.of("fresh", true), pipelineMeta(target, "p"));

        store.recordFailures(queue, List.of(new FailureRecord(claimed, "boom", 1, NOW, NOW, false)));

        assertThat(meta("1")).doesNotContainKey("error");
    }

    @Test
    void releaseEndsTheClaimSoTheDocumentIsEligibleAgain() {
        es.indexQueueDocument(queue, "1", Map.of(), pipelineMeta(target, "p"));
        QueuedDocument claimed = claimAll().get(0);

        store.release(queue, List.of(claimed));
        es.refresh(queue);

        assertThat(meta("1")).containsEntry("claim", null);
        assertThat(ids(scanAll(store, query(queue, Selection.NEW, NOW)))).containsExactly("1");
    }

    @Test
    void aMissingQueueIndexIsAnEmptyQueue() {
        try (QueueScan scan = store.scan(query(queue, Selection.NEW, NOW))) {
            assertThat(scan.totalEligible()).isZero();
            assertThat(scan.nextPage()).isEmpty();
        }
        assertThat(store.countEligible(query(queue, Selection.RETRY, NOW))).isZero();
    }

    @Test
    void anUnreachableElasticsearchMakesTheQueueUnavailable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port);
        ElasticsearchSettings settings = ElasticsearchSettings.basicAuth(url, "elastic", "hunter2-secret");
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore unreachable = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> unreachable.scan(query(queue, Selection.NEW, NOW)))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.isAuthenticationFailure()).isFalse();
                        assertThat(e.getMessage()).contains(url.toString()).contains("could not connect")
                                .doesNotContain("hunter2-secret").doesNotContain("\n");
                    });
        }
    }

    private List<QueuedDocument> claimAll() {
        List<QueuedDocument> read = scanAll(store, query(queue, Selection.NEW, NOW));
        List<QueuedDocument> claimed = store.claim(queue, read, new Claim("test-run", NOW.plusSeconds(300)));
        assertThat(claimed).hasSameSizeAs(read);
        return claimed;
    }

    private Map<String, Object> failed(Instant nextAttemptAt, boolean parked) {
        Map<String, Object> meta = pipelineMeta(target, "p");
        meta.put("error", "earlier failure");
        meta.put("attempts", 1);
        if (nextAttemptAt != null) {
            meta.put("next_attempt_at", nextAttemptAt.toString());
        }
        meta.put("parked", parked);
        return meta;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> meta(String id) {
        return (Map<String, Object>) es.source(queue, id).orElseThrow().get("_llm_watcher");
    }

    private static QueuedDocument byId(List<QueuedDocument> documents, String id) {
        return documents.stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aScanRightAfterACountRefreshesAgainOnlyIfThisStoreWroteToTheQueueInBetween() throws Exception {
        for (int i = 0; i < 3; i++) {
            es.indexQueueDocument(queue, "d" + i, Map.of("n", i), pipelineMeta(target, "p"));
        }
        java.util.concurrent.atomic.AtomicInteger refreshes = new java.util.concurrent.atomic.AtomicInteger();
        try (ElasticsearchProxy proxy = new ElasticsearchProxy(es.url());
             ElasticsearchClient client = ElasticsearchClients.create(ElasticsearchSettings.anonymous(proxy.url()))) {
            proxy.breakOn(request -> {
                if (request.path().contains("/_refresh")) {
                    refreshes.incrementAndGet();
                }
                return false;
            }, ElasticsearchProxy.Mode.GONE);
            ElasticsearchQueueStore observed = new ElasticsearchQueueStore(client,
                    ElasticsearchSettings.anonymous(proxy.url()));

            long counted = observed.countEligible(query(queue, Selection.NEW, NOW));
            List<QueuedDocument> first = scanAll(observed, query(queue, Selection.NEW, NOW));
            int afterCountAndScan = refreshes.get();
            observed.recordFailures(queue, List.of(new FailureRecord(first.getFirst(), "boom", 1, NOW,
                    NOW.plusSeconds(3600), false)));
            List<QueuedDocument> second = scanAll(observed, query(queue, Selection.NEW, NOW));

            assertThat(counted).isEqualTo(3);
            assertThat(first).hasSize(3);
            assertThat(afterCountAndScan).as("one refresh for a count and the scan right after it").isEqualTo(1);
            assertThat(refreshes).as("a write of ours in between makes the next scan refresh").hasValue(2);
            assertThat(ids(second)).hasSize(2).doesNotContain(first.getFirst().id());
        }
    }
}
