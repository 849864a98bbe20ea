package dev.llmwatcher.queue;

import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.ElasticsearchProxy.Answer;
import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

/**
 * The cluster shedding load while results are written: a proxy in front of the real cluster answers the result bulk
 * as the engine does when its write queue is full, per item or for the whole request. Neither may fail the document:
 * the answer stays in hand and the queue document stays claimed, untouched. One subclass per engine, which gives its
 * adapter's store and the engine's name for the refusal.
 */
public abstract class AbstractResultBackPressureTest {

    protected static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    /** A bulk item the engine rejected because its write thread pool's queue was full, as it answers it. */
    private static final String REJECTED_ITEM = """
            {"index":{"_index":"%s","_id":"%s","status":429,"error":{"type":"%s",\
            "reason":"rejected execution of TransportWriteAction$1/WrappedActionListener{...} on \
            ThreadPoolExecutor[name = node-1/write, queue capacity = 1, task execution stats = [...]]"}}}""";
    /** A whole request refused by indexing pressure, as the engine answers it. */
    private static final String REJECTED_REQUEST = """
            {"error":{"root_cause":[{"type":"%1$s","reason":"rejected execution of \
            coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, \
            coordinating_operation_bytes=120, max_coordinating_and_primary_bytes=1]"}],\
            "type":"%1$s","reason":"rejected execution of coordinating operation \
            [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=120, \
            max_coordinating_and_primary_bytes=1]"},"status":%2$d}""";

    protected final String queue = TestElasticsearch.uniqueIndex("pressure-queue");
    protected final String target = TestElasticsearch.uniqueIndex("pressure-target");
    private ElasticsearchProxy proxy;
    private QueueStore store;

    /** The cluster the queue is on. */
    protected abstract TestCluster cluster();

    /** The adapter's queue store, talking to the cluster at {@code url}; closed by {@link #closeStore()}. */
    protected abstract QueueStore storeAt(URI url);

    protected abstract void closeStore();

    /**
     * The error type of work rejected for load: {@code es_rejected_execution_exception} (Elasticsearch),
     * {@code rejected_execution_exception} (OpenSearch).
     */
    protected abstract String rejectedExecutionType();

    @BeforeEach
    void storeBehindAProxy() {
        proxy = new ElasticsearchProxy(cluster().url());
        store = storeAt(proxy.url());
    }

    @AfterEach
    void close() {
        closeStore();
        proxy.close();
    }

    /** The store under test, behind the proxy. */
    protected QueueStore store() {
        return store;
    }

    @Test
    void aResultItemRejectedForLoadIsPushedBackAndItsQueueDocumentKeptClaimed() {
        QueuedDocument claimed = queuedAndClaimed("1");
        proxy.answerEach(r -> r.path().equals("/_bulk") && r.body().contains(target),
                r -> new Answer(200, "{\"took\":2,\"errors\":true,\"items\":["
                        + REJECTED_ITEM.formatted(target, "1", rejectedExecutionType()) + "]}"));

        List<WriteOutcome> outcomes = store.store(queue,
                List.of(new CompletedDocument(claimed, target, Map.of("message", "m", "answer", 42))));

        assertThat(outcomes).singleElement().satisfies(outcome -> {
            assertThat(outcome.pushedBack()).isTrue();
            assertThat(outcome.stored()).isFalse();
            assertThat(outcome.error()).hasValueSatisfying(reason -> assertThat(reason)
                    .startsWith(rejectedExecutionType() + ": rejected execution"));
        });
        assertThat(cluster().source(queue, "1")).hasValueSatisfying(source -> assertThat(source.get("_llm_watcher"))
                .asInstanceOf(MAP).extractingByKey("claim").asInstanceOf(MAP).containsEntry("owner", "run"));
    }

    @Test
    void anItemFailingForAnotherReasonIsNotPushedBack() {
        QueuedDocument claimed = queuedAndClaimed("1");
        cluster().indexDocument(target, "numbers", Map.of("answer", 1));

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
        proxy.answerEach(r -> r.path().equals("/_bulk"),
                r -> new Answer(status, REJECTED_REQUEST.formatted(rejectedExecutionType(), status)));

        assertThatThrownBy(() -> store.store(queue,
                List.of(new CompletedDocument(claimed, target, Map.of("answer", 42)))))
                .isInstanceOfSatisfying(QueueBusyException.class, e -> {
                    assertThat(e.isAuthenticationFailure()).isFalse();
                    assertThat(e.getMessage()).contains("HTTP " + status).contains(rejectedExecutionType())
                            .doesNotContain("\n");
                });
        assertThat(cluster().source(target, "1")).isEmpty();
        assertThat(cluster().source(queue, "1")).isPresent();
    }

    /** Queues document {@code id} for {@link #target} and claims it for the run "run". */
    protected QueuedDocument queuedAndClaimed(String id) {
        cluster().indexQueueDocument(queue, id, Map.of("message", "m"), pipelineMeta(target, "p"));
        List<QueuedDocument> read = scanAll(store, query(queue, Selection.NEW, NOW));
        List<QueuedDocument> claimed = store.claim(queue, read, new Claim("run", NOW.plusSeconds(300)));
        assertThat(claimed).hasSize(1);
        return claimed.getFirst();
    }
}
