package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.AbstractResultBackPressureTest;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static dev.llmwatcher.testing.TestElasticsearch.pipelineMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

/**
 * {@link AbstractResultBackPressureTest} on Elasticsearch, and what Elasticsearch does with a result set aside for
 * later: it waits on its queue document, mapped as an unindexed object by the queue template.
 */
class ElasticsearchBackPressureTest extends AbstractResultBackPressureTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    private ElasticsearchClient client;

    @Override
    protected TestCluster cluster() {
        return es;
    }

    @Override
    protected QueueStore storeAt(URI url) {
        ElasticsearchSettings settings = ElasticsearchSettings.anonymous(url);
        client = ElasticsearchClients.create(settings);
        return new ElasticsearchQueueStore(client, settings);
    }

    @Override
    protected void closeStore() {
        try {
            client.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected String rejectedExecutionType() {
        return "es_rejected_execution_exception";
    }

    @Test
    void aResultSetAsideWaitsOnItsQueueDocumentWithNullsKeptTheClaimEndedAndNoAttemptCounted() {
        QueuedDocument claimed = queuedAndClaimed("1");
        Map<String, Object> result = new java.util.LinkedHashMap<>();
        result.put("message", "m");
        result.put("answer", 42);
        result.put("note", null);

        List<String> setAside = store().setAside(queue, List.of(new CompletedDocument(claimed, target, result)));

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

        List<String> setAside = store().setAside(queue, List.of(new CompletedDocument(claimed, target,
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

    @SuppressWarnings("unchecked")
    private Map<String, Object> meta(String id) {
        return (Map<String, Object>) es.source(queue, id).orElseThrow().get("_llm_watcher");
    }
}
