package dev.llmwatcher.testing;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TestElasticsearchTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Test
    void indexedQueueDocumentReadsBackAsThePipelineLeftIt() {
        String queue = TestElasticsearch.uniqueIndex("harness");

        es.indexQueueDocument(queue, "2", Map.of("message", "I love it!"),
                TestElasticsearch.pipelineMeta("my-index", "Rate: {{ctx.message}}"));

        assertThat(es.count(queue)).isEqualTo(1);
        assertThat(es.source(queue, "2")).hasValueSatisfying(source -> {
            assertThat(source).containsEntry("message", "I love it!");
            assertThat(source.get("_llm_watcher")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("provider", "ollama").containsEntry("model", "llama3.3")
                    .containsEntry("_original_index", "my-index").containsEntry("options", null)
                    .containsEntry("format", Map.of());
        });
        assertThat(es.source(queue, "missing")).isEmpty();
        assertThat(es.get("/_cluster/health").status()).isEqualTo(200);
    }
}
