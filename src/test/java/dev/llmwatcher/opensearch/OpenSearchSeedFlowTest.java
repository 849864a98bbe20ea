package dev.llmwatcher.opensearch;

import dev.llmwatcher.cli.Console;
import dev.llmwatcher.cli.Main;
import dev.llmwatcher.json.JsonCodec;
import dev.llmwatcher.queue.PipelineSpec;
import dev.llmwatcher.store.InstallContent;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's flow on OpenSearch, end to end through the command line: {@code setup} installs the shipped stored script,
 * pipeline and index templates, a document indexed with {@code ?pipeline=llm} is queued by OpenSearch's own painless
 * with the original README's parameters (into a queue index mapped by the template), and the watcher (which tells OpenSearch from Elasticsearch by the cluster's answer to
 * {@code GET /}) drains it in place into its index, with the score a local Ollama stand-in answered.
 */
class OpenSearchSeedFlowTest {

    private static final String PROMPT = "From a scale of 1-10 how good is this product review "
            + "(1 is very bad, 10 is very good): {{ctx.message}}";
    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final OpenSearchServer openSearch = OpenSearchServer.shared();

    @Test
    @SuppressWarnings("unchecked")
    void theReadmeExampleIsQueuedByOpenSearchsPainlessAndDrainedInPlace() {
        String myIndex = TestElasticsearch.uniqueIndex("my-index");
        String queue = TestElasticsearch.uniqueIndex("llm-queue");
        String pipeline = TestElasticsearch.uniqueIndex("llm");
        Map<String, String> environment = Map.of("ELASTICSEARCH_URL", openSearch.url().toString(),
                "LLM_WATCHER_WATCH_INDEX", queue);

        Run setup = run(environment, "setup", "--pipeline", pipeline, "--model", "deepseek-r1:14b", "--prompt", PROMPT,
                "--schema", JsonCodec.writeString(SCALE_SCHEMA));
        Run again = run(environment, "setup", "--pipeline", pipeline, "--model", "deepseek-r1:14b", "--prompt",
                PROMPT, "--schema", JsonCodec.writeString(SCALE_SCHEMA));
        assertThat(setup.status()).as(setup.err() + setup.out()).isZero();
        var ingested = openSearch.send("POST", "/" + myIndex + "/_doc/2?pipeline=" + pipeline + "&refresh=true",
                "{\"message\": \"I love it!\"}");
        assertThat(ingested.json()).as(ingested.body()).containsEntry("_index", queue);
        Map<String, Object> meta = (Map<String, Object>) openSearch.source(queue, "2").orElseThrow()
                .get("_llm_watcher");
        Run drain;
        try (FakeOllamaServer ollama = new FakeOllamaServer()) {
            ollama.respond(Reply.text("{\"scale\": 9}"));
            drain = run(environment, "--ollama-api", ollama.baseUrl().toString(), "--once");
        }

        assertThat(setup.out()).contains("stored script llm").contains("ingest pipeline " + pipeline)
                .containsPattern("index template llm-watcher-queue-" + queue + " +created")
                .doesNotContain("not installed");
        assertThat(openSearch.send("GET", "/" + queue + "/_mapping", null).body())
                .as("the queue index the pipeline created has the template's mapping")
                .contains("\"dynamic\":\"false\"").containsPattern("\"model\":\\{\"type\":\"keyword\"")
                .doesNotContain("\"message\"");
        assertThat(again.out()).contains("unchanged").doesNotContain("created");
        assertThat(meta).containsEntry("provider", "ollama").containsEntry("model", "deepseek-r1:14b")
                .containsEntry("prompt", PROMPT).containsEntry("format", SCALE_SCHEMA).containsEntry("options", null)
                .containsEntry("_original_index", myIndex).containsKey("queued_at");
        assertThat(drain.status()).as(drain.err()).isZero();
        assertThat(openSearch.source(myIndex, "2")).contains(Map.of("message", "I love it!", "scale", 9));
        assertThat(openSearch.source(queue, "2")).isEmpty();
    }

    @Test
    void scriptDefaultsApplyWhenThePipelineGivesOnlyAPrompt() {
        PipelineSpec minimal = new PipelineSpec("llm-minimal", null, null, "{{ctx.message}}", null, null,
                "other-queue");
        openSearch.send("PUT", "/_scripts/llm", JsonCodec.writeString(Map.of("script", Map.of("lang", "painless",
                "source", InstallContent.scriptSource()))));
        openSearch.send("PUT", "/_ingest/pipeline/llm-minimal", JsonCodec.writeString(
                InstallContent.pipeline(minimal)));

        openSearch.send("POST", "/reviews/_doc/7?pipeline=llm-minimal&refresh=true", "{\"message\": \"meh\"}");

        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) openSearch.source("other-queue", "7").orElseThrow()
                .get("_llm_watcher");
        assertThat(meta).containsEntry("provider", "ollama").containsEntry("model", "llama3.3")
                .containsEntry("format", Map.of()).containsEntry("_original_index", "reviews");
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(Map<String, String> environment, String... arguments) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Console console = new Console(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
        int status = Main.standard().run(arguments, console);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
