package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.AbstractQueueStoreTest;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmwatcher.queue.QueueTestSupport.ids;
import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Elasticsearch adapter against the queue port's contract ({@link AbstractQueueStoreTest}), on the test cluster;
 * beside it, what only Elasticsearch does: its refusals of a result, an unreachable cluster, and when it refreshes.
 */
class ElasticsearchQueueStoreTest extends AbstractQueueStoreTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected PortFixture<?> ports() {
        return new ElasticsearchPorts(es, es.queueStore());
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

    @Test
    void aScanRightAfterACountRefreshesAgainOnlyIfThisStoreWroteToTheQueueInBetween() throws Exception {
        for (int i = 0; i < 3; i++) {
            es.indexQueueDocument(queue, "d" + i, Map.of("n", i), pipelineMeta(target, "p"));
        }
        AtomicInteger refreshes = new AtomicInteger();
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

    @Test
    void aScanOfWholePagesEndsAtTheTotalItsFirstPageReportedWithoutAskingForAnEmptyPage() throws Exception {
        for (int i = 0; i < 8; i++) {
            es.indexQueueDocument(queue, "d" + i, Map.of("n", i), pipelineMeta(target, "p"));
        }
        AtomicInteger searches = new AtomicInteger();
        try (ElasticsearchProxy proxy = new ElasticsearchProxy(es.url());
             ElasticsearchClient client = ElasticsearchClients.create(ElasticsearchSettings.anonymous(proxy.url()))) {
            proxy.breakOn(request -> {
                if (request.path().contains("/_search")) {
                    searches.incrementAndGet();
                }
                return false;
            }, ElasticsearchProxy.Mode.GONE);
            ElasticsearchQueueStore observed = new ElasticsearchQueueStore(client,
                    ElasticsearchSettings.anonymous(proxy.url()));

            List<QueuedDocument> read = scanAll(observed, new QueueQuery(queue, Selection.NEW, NOW, Optional.empty(),
                    4));

            assertThat(read).hasSize(8);
            assertThat(searches).as("two full pages, and no third search for an empty one").hasValue(2);
        }
    }
}
