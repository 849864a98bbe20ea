package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueTestSupport;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;

/** The 9.x client, through the compat headers, against an 8.19 cluster. */
class Elasticsearch8CompatibilityTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private final TestElasticsearch es = TestElasticsearch.version8();
    private final ElasticsearchQueueStore store = es.queueStore();

    @Test
    void theQueueStoreScansClaimsStoresAndRecordsFailuresOnAn8xCluster() {
        String queue = TestElasticsearch.uniqueIndex("queue8");
        String target = TestElasticsearch.uniqueIndex("target8");
        try (ClusterAdmin admin = ClusterAdmin.open(es.settings())) {
            assertThat(admin.templates().install(queue, Optional.of("created")))
                    .isEqualTo(QueueTemplateInstaller.Result.CREATED);
        }
        es.indexQueueDocument(queue, "ok", Map.of("created", "2024-01-01T00:00:00Z"),
                TestElasticsearch.pipelineMeta(target, "p"));
        es.indexQueueDocument(queue, "bad", Map.of("created", "2024-01-02T00:00:00Z"),
                TestElasticsearch.pipelineMeta(target, "p"));

        List<QueuedDocument> scanned = scanAll(store,
                new QueueQuery(queue, Selection.NEW, NOW, Optional.of("created"), 1));
        List<QueuedDocument> claimed = store.claim(queue, scanned, new Claim("run-8", NOW.plusSeconds(60)));
        List<WriteOutcome> outcomes = store.store(queue,
                List.of(new CompletedDocument(claimed.get(0), target, Map.of("answer", 42))));
        store.recordFailures(queue, List.of(new FailureRecord(claimed.get(1), "boom", 1, NOW, NOW, false)));
        es.refresh(queue);

        assertThat(QueueTestSupport.ids(scanned)).containsExactly("ok", "bad");
        assertThat(outcomes).containsExactly(WriteOutcome.done("ok"));
        assertThat(es.source(target, "ok")).contains(Map.of("answer", 42));
        assertThat(QueueTestSupport.ids(scanAll(store, query(queue, Selection.RETRY, NOW)))).containsExactly("bad");
    }
}
