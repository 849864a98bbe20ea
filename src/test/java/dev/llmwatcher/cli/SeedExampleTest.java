package dev.llmwatcher.cli;

import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.CliRunner;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The original README's example, end to end through the command line with {@code --once}. */
class SeedExampleTest {

    private static final String PROMPT = "From a scale of 1-10 how good is this product review "
            + "(1 is very bad, 10 is very good): {{ctx.message}}";
    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final CliRunner cli = new CliRunner();

    @Test
    void reviewIsScoredIntoMyIndexAndTheQueueIsEmpty() {
        String queue = TestElasticsearch.uniqueIndex("llm-queue");
        String myIndex = TestElasticsearch.uniqueIndex("my-index");
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(myIndex, PROMPT);
        meta.put("model", "deepseek-r1:14b");
        meta.put("format", SCALE_SCHEMA);
        es.indexQueueDocument(queue, "2", Map.of("message", "I love it!"), meta);

        int status;
        try (FakeOllamaServer ollama = new FakeOllamaServer()) {
            ollama.respond(Reply.text("<think>The customer loves it.</think>{\"scale\": 10}"));
            status = cli.run(Map.of("ELASTICSEARCH_URL", es.url().toString()),
                    "--ollama-api", ollama.baseUrl().toString(), "--watch-index", queue, "--once");

            assertThat(ollama.lastRequest().prompt()).endsWith("(1 is very bad, 10 is very good): I love it!");
            assertThat(ollama.lastRequest().model()).isEqualTo("deepseek-r1:14b");
        }

        assertThat(status).as(cli.err()).isZero();
        assertThat(es.source(myIndex, "2")).contains(Map.of("message", "I love it!", "scale", 10));
        assertThat(es.count(queue)).isZero();
    }

    @Test
    void unreachableElasticsearchExitsNonZeroWithOneLine() {
        int status = cli.run(Map.of(), "--elasticsearch", "http://127.0.0.1:1", "--once");

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(cli.err().strip().lines()).hasSize(1)
                .first().asString().startsWith("llm-watcher: ").contains("127.0.0.1:1");
    }

    @Test
    void badFlagValuesAreAllListedWithExitStatusTwo() {
        int status = cli.run(Map.of(), "--elasticsearch", "localhost:9200", "--batch-size", "ten",
                "--watch-index", "Bad Index", "--once");

        assertThat(status).isEqualTo(Main.USAGE);
        assertThat(cli.err())
                .contains("--elasticsearch (ELASTICSEARCH_URL)")
                .contains("--batch-size (LLM_WATCHER_BATCH_SIZE): expected a whole number, got 'ten'")
                .contains("--watch-index (LLM_WATCHER_WATCH_INDEX)");
    }

    @Test
    void unknownFlagIsAUsageError() {
        assertThat(cli.run(Map.of(), "--elasticsaerch", "http://x:9200")).isEqualTo(Main.USAGE);
        assertThat(cli.err()).contains("unknown flag --elasticsaerch");
    }

    @Test
    void helpListsEveryOriginalFlag() {
        assertThat(cli.run(Map.of(), "--help")).isZero();

        assertThat(cli.out()).contains("--elasticsearch VALUE", "--elasticsearch-username",
                "--elasticsearch-password", "--ollama-api", "--openai-api-key", "--batch-size", "--watch-index",
                "--watch-interval", "--retry-errors", "--sort-field", "--debug", "--once", "--openai-base-url",
                "--elasticsearch-api-key", "--concurrency");
    }
}
