package dev.llmwatcher.cli;

import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The newcomer's {@code demo}, end to end: a real throwaway Elasticsearch from the integ-test-zip the tests use
 * (handed over instead of resolved through Maven), and a fake Ollama, or none at all.
 */
class DemoCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int runDemo(String ollamaUrl) {
        Map<String, String> environment = Map.of(
                DemoCommand.ZIP_VARIABLE, System.getProperty("llmwatcher.test.es.zip", "").strip(),
                DemoCommand.DIR_VARIABLE, TestElasticsearch.workDir().toString(),
                "ELASTICSEARCH_URL", "http://127.0.0.1:1",
                "OLLAMA_API_URL", ollamaUrl);
        Console console = new Console(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
        return Main.standard().run(new String[] {"demo"}, console);
    }

    @Test
    void reviewsAreScoredByTheLlmAndPrinted() {
        int status;
        try (FakeOllamaServer ollama = new FakeOllamaServer()) {
            ollama.respond(Reply.text("{\"scale\": 8}"));
            status = runDemo(ollama.baseUrl().toString());

            assertThat(ollama.requests()).filteredOn(r -> r.path().equals("/api/generate")).hasSize(5)
                    .allSatisfy(r -> assertThat(r.model()).isEqualTo("llama3.2"));
        }

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Enriched documents in demo-reviews:")
                .contains("review-1  {\"message\":\"I love it!\",\"scale\":8}")
                .contains("Best purchase this year").doesNotContain("Still in the queue");
    }

    @Test
    void withoutAnLlmItSaysSoShowsTheDryRunAndHowToGetOne() {
        int status = runDemo("http://127.0.0.1:1");

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("No LLM answered at http://127.0.0.1:1", "no answer was made up")
                .contains("READY       id review-1", "I love it!", "5 documents would be sent")
                .contains("ollama pull llama3.2")
                .doesNotContain("Enriched documents").doesNotContainPattern("\"scale\":\\d");
    }
}
