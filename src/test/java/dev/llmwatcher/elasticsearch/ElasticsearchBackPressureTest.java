package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueueBusyException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.ElasticsearchProxy.Answer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

/**
 * Elasticsearch shedding load while results are written: a proxy in front of the real cluster answers the result
 * bulk as Elasticsearch does when its write queue is full, per item or for the whole request. Neither may fail the
 * document: the answer stays in hand and the queue document stays claimed, untouched.
 */
class ElasticsearchBackPressureTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    /** A bulk item Elasticsearch rejected because its write thread pool's queue was full, as it answers it. */
    private static final String REJECTED_ITEM = """
            {"index":{"_index":"%s","_id":"%s","status":429,"error":{"type":"es_rejected_execution_exception",\
            "reason":"rejected execution of org.elasticsearch.action.support.replication.TransportWriteAction$1\
            /WrappedActionListener{...} on EsThreadPoolExecutor[name = node-1/write, queue capacity = 1, \
            task execution stats = [...]]"}}}""";
    /** A whole request refused by indexing pressure, as Elasticsearch answers it. */
    private static final String REJECTED_REQUEST = """
            {"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected execution of \
            coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, \
            coordinating_operation_bytes=120, max_coordinating_and_primary_bytes=1]"}],\
            "type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation \
            [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=120, \
            max_coordinating_and_primary_bytes=1]"},"status":%d}""";

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final String queue = TestElasticsearch.uniqueIndex("pressure-queue");
    private final String target = TestElasticsearch.uniqueIndex("pressure-target");
    private ElasticsearchProxy proxy;
    private ElasticsearchClient client;
    private ElasticsearchQueueStore store;

    @BeforeEach
    void storeBehindAProxy() {
        proxy = new ElasticsearchProxy(es.url());
        ElasticsearchSettings settings = ElasticsearchSettings.anonymous(proxy.url());
        client = ElasticsearchClients.create(settings);
        store = new ElasticsearchQueueStore(client, settings);
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        proxy.close();
    }

    @Test
    void aResultItemRejectedForLoadIsPushedBackAndItsQueueDocumentKeptClaimed() {
        QueuedDocument claimed = queuedAndClaimed("1");
        proxy.answerEach(r -> r.path().equals("/_bulk") && r.body().contains(target),
                r -> new Answer(200, "{\"took\":2,\"errors\":true,\"items\":[" + REJECTED_ITEM.formatted(target, "1")
                        + "]}"));

        List<WriteOutcome> outcomes = store.store(queue,
                List.of(new CompletedDocument(claimed, target, Map.of("message", "m", "answer", 42))));

        assertThat(outcomes).singleElement().satisfies(outcome -> {
            assertThat(outcome.pushedBack()).isTrue();
            assertThat(outcome.stored()).isFalse();
            assertThat(outcome.error()).hasValueSatisfying(reason -> assertThat(reason)
                    .startsWith("es_rejected_execution_exception: rejected execution"));
        });
        assertThat(es.source(queue, "1")).hasValueSatisfying(source -> assertThat(source.get("_llm_watcher"))
                .asInstanceOf(MAP).extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "run"));
    }

    @Test
    void anItemFailingForAnotherReasonIsNotPushedBack() {
        QueuedDocument claimed = queuedAndClaimed("1");
        es.put("/" + target, """
                {"mappings": {"properties": {"answer": {"type": "integer"}}}}""");

        List<WriteOutcome> outcomes = store.store(queue,
                List.of(new CompletedDocument(claimed, target, Map.of("answer", "not a number"))));

        assertThat(outcomes).singleElement().satisfies(outcome -> {
            assertThat(outcome.pushedBack()).isFalse();
            assertThat(outcome.stored()).isFalse();
        });
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {429, 503})
    void aResultBulkRefusedAsAWholeForLoadIsBusyAndChangesNothing(int status) {
        QueuedDocument claimed = queuedAndClaimed("1");
        proxy.answerEach(r -> r.path().equals("/_bulk"), r -> new Answer(status, REJECTED_REQUEST.formatted(status)));

        assertThatThrownBy(() -> store.store(queue,
                List.of(new CompletedDocument(claimed, target, Map.of("answer", 42)))))
                .isInstanceOfSatisfying(QueueBusyException.class, e -> {
                    assertThat(e.isAuthenticationFailure()).isFalse();
                    assertThat(e.getMessage()).contains("HTTP " + status).contains("es_rejected_execution_exception")
                            .doesNotContain("\n");
                });
        assertThat(es.source(target, "1")).isEmpty();
        assertThat(es.source(queue, "1")).isPresent();
    }

    @Test
    void aResultSetAsideWaitsOnItsQueueDocumentWithNullsKeptTheClaimEndedAndNoAttemptCounted() {
        QueuedDocument claimed = queuedAndClaimed("1");
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        result.put("message", "m");
        result.put("answer", 42);
        result.put("note", null);

        List<String> setAside = store.setAside(queue, List.of(new CompletedDocument(claimed, target, result)));

        assertThat(setAside).containsExactly("1");
        Map<String, Object> meta = meta("1");
        assertThat(meta).containsEntry("pending_result", result).containsEntry("claim", null)
                .doesNotContainKey("error").doesNotContainKey("attempts").containsEntry("prompt", "p");
        assertThat(scanAll(es.queueStore(), query(queue, Selection.NEW, NOW))).extracting(QueuedDocument::id)
                .containsExactly("1");
    }

    @Test
    void aResultIsNotSetAsideOnAQueueDocumentChangedSinceItWasClaimed() {
        QueuedDocument claimed = queuedAndClaimed("1");
        es.indexQueueDocument(queue, "1", Map.of("message", "edited"), pipelineMeta(target, "p"));

        List<String> setAside = store.setAside(queue, List.of(new CompletedDocument(claimed, target,
                Map.of("answer", 42))));

        assertThat(setAside).isEmpty();
        assertThat(meta("1")).doesNotContainKey("pending_result");
    }

    @Test
    void theQueueTemplateMapsASetAsideResultAsAnUnindexedObject() {
        try (ClusterAdmin admin = ClusterAdmin.open(es.settings())) {
            admin.templates().install(queue, Optional.empty());
        }
        es.indexQueueDocument(queue, "1", Map.of("message", "m"), pipelineMeta(target, "p"));

        Map<String, Object> mapping = es.get("/" + queue + "/_mapping").json();

        assertThat(mapping).extractingByKey(queue).asInstanceOf(MAP).extractingByKey("mappings").asInstanceOf(MAP)
                .extractingByKey("properties").asInstanceOf(MAP).extractingByKey("_llm_watcher").asInstanceOf(MAP)
                .extractingByKey("properties").asInstanceOf(MAP).extractingByKey("pending_result")
                .isEqualTo(Map.of("type", "object", "enabled", false));
    }

    private QueuedDocument queuedAndClaimed(String id) {
        es.indexQueueDocument(queue, id, Map.of("message", "m"), pipelineMeta(target, "p"));
        List<QueuedDocument> read = scanAll(store, query(queue, Selection.NEW, NOW));
        List<QueuedDocument> claimed = store.claim(queue, read, new Claim("run", NOW.plusSeconds(300)));
        assertThat(claimed).hasSize(1);
        return claimed.getFirst();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> meta(String id) {
        return (Map<String, Object>) es.source(queue, id).orElseThrow().get("_llm_watcher");
    }
}
