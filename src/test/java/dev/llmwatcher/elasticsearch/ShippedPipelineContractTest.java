package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.cli.Console;
import dev.llmwatcher.cli.Main;
import dev.llmwatcher.queue.PipelineSpec;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped stored script and pipeline on a real painless engine (OpenSearch's integ-test-zip), with the
 * original README's pipeline parameters and example document: the document the pipeline queues drains, through the
 * command line and the test Elasticsearch, into {@code my-index} with its score. elasticsearch-java refuses to talk
 * to OpenSearch, so OpenSearch is spoken to over plain HTTP, and the queue document it made is copied byte for byte
 * (its stored {@code _source}) into a queue on Elasticsearch, which the watcher drains.
 */
class ShippedPipelineContractTest {

    private static final String PROMPT = "From a scale of 1-10 how good is this product review "
            + "(1 is very bad, 10 is very good): {{ctx.message}}";
    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private static OpenSearchServer openSearch;

    @BeforeAll
    static void startOpenSearch() {
        openSearch = OpenSearchServer.start();
    }

    @AfterAll
    static void stopOpenSearch() {
        openSearch.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void readmeExampleIsQueuedByTheShippedPipelineAndDrainsIntoMyIndex() {
        TestElasticsearch es = TestElasticsearch.shared();
        String myIndex = TestElasticsearch.uniqueIndex("my-index");
        String queue = TestElasticsearch.uniqueIndex("llm-queue");
        PipelineSpec readme = new PipelineSpec("llm", "ollama", "deepseek-r1:14b", PROMPT, SCALE_SCHEMA, null, null);
        assertThat(openSearch.send("PUT", "/_scripts/llm", PipelineInstaller.scriptBody()).isSuccess()).isTrue();
        assertThat(openSearch.send("PUT", "/_ingest/pipeline/llm", PipelineInstaller.pipelineBody(readme)).body())
                .contains("\"acknowledged\":true");

        var ingested = openSearch.send("POST", "/" + myIndex + "/_doc/2?pipeline=llm&refresh=true",
                "{\"message\": \"I love it!\"}");
        var queued = openSearch.send("GET", "/llm-queue/_doc/2", null);

        assertThat(ingested.json()).containsEntry("_index", "llm-queue");
        assertThat(openSearch.send("GET", "/" + myIndex + "/_doc/2", null).status()).isEqualTo(404);
        Map<String, Object> source = (Map<String, Object>) queued.json().get("_source");
        Map<String, Object> meta = (Map<String, Object>) source.get("_llm_watcher");
        assertThat(meta).containsEntry("provider", "ollama").containsEntry("model", "deepseek-r1:14b")
                .containsEntry("prompt", PROMPT).containsEntry("format", SCALE_SCHEMA).containsEntry("options", null)
                .containsEntry("_original_index", myIndex).containsKey("queued_at");

        String queuedBytes = openSearch.send("GET", "/llm-queue/_source/2", null).body();
        assertThat(es.put("/" + queue + "/_doc/2?refresh=true", queuedBytes).isSuccess()).isTrue();
        assertThat(es.get("/" + queue + "/_source/2").body()).as("a byte-exact copy").isEqualTo(queuedBytes);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (FakeOllamaServer ollama = new FakeOllamaServer()) {
            ollama.respond(Reply.text("{\"scale\": 9}"));
            Console console = new Console(Map.of("ELASTICSEARCH_URL", es.url().toString()),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
            status = Main.standard().run(new String[] {"--ollama-api", ollama.baseUrl().toString(),
                "--watch-index", queue, "--once"}, console);
        }

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(es.source(myIndex, "2")).contains(Map.of("message", "I love it!", "scale", 9));
        assertThat(es.count(queue)).isZero();
    }

    @Test
    void scriptDefaultsApplyWhenThePipelineGivesOnlyAPrompt() {
        PipelineSpec minimal = new PipelineSpec("llm-minimal", null, null, "{{ctx.message}}", null, null,
                "other-queue");
        openSearch.send("PUT", "/_scripts/llm", PipelineInstaller.scriptBody());
        openSearch.send("PUT", "/_ingest/pipeline/llm-minimal", PipelineInstaller.pipelineBody(minimal));

        openSearch.send("POST", "/reviews/_doc/7?pipeline=llm-minimal&refresh=true", "{\"message\": \"meh\"}");

        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) ((Map<String, Object>) openSearch
                .send("GET", "/other-queue/_doc/7", null).json().get("_source")).get("_llm_watcher");
        assertThat(meta).containsEntry("provider", "ollama").containsEntry("model", "llama3.3")
                .containsEntry("format", Map.of()).containsEntry("_original_index", "reviews");
    }
}
