package dev.llmwatcher.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.aws.Metric;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code java -jar llm-watcher.jar invoke ...}: the real handlers with a local context, no Docker. */
class InvokeCommandTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private FakeOllamaServer ollama;
    private FakeOpenAiServer openAi;
    private WatcherFixture fixture;

    @BeforeEach
    void startServers() {
        ollama = new FakeOllamaServer();
        openAi = new FakeOpenAiServer();
        fixture = new WatcherFixture(es, ollama, openAi);
    }

    @AfterEach
    void stopServers() {
        ollama.close();
        openAi.close();
    }

    private int run(String... args) {
        Console console = new Console(fixture.settings(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
        return Main.standard().run(args, console);
    }

    @Test
    void invokeRunsTheWatcherHandlerOnAnEventFileAndPrintsItsSummary() throws Exception {
        ollama.respond(Reply.text("A fine review."));
        String target = TestElasticsearch.uniqueIndex("reviews");
        es.indexQueueDocument(fixture.queueIndex(), "1", Map.of("message", "ok"),
                TestElasticsearch.pipelineMeta(target, "Summarise: {{ctx.message}}"));

        int status = run("invoke", "watcher", "--event", "events/watcher-schedule-v2.json", "--remaining-ms", "30000");

        Map<String, Object> summary = new ObjectMapper().readValue(out.toString(StandardCharsets.UTF_8).strip(),
                new TypeReference<>() { });
        assertThat(status).isEqualTo(Main.OK);
        assertThat(summary).containsEntry("processed", 1).containsEntry("mode", "new")
                .containsEntry("queue", fixture.queueIndex());
        assertThat(es.source(target, "1").orElseThrow()).containsEntry("llm_output", "A fine review.");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("\"Namespace\":\"" + Metric.NAMESPACE + "\"")
                .contains("\"FunctionName\":\"local-watcher\"");
    }

    @Test
    void invokeRunsTheRetryHandler() {
        int status = run("invoke", "retry", "--event", "events/retry-scheduled-event.json");

        assertThat(status).isEqualTo(Main.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"mode\":\"retry\"");
    }

    @Test
    void badInvocationsAreUsageErrorsSayingWhatIsWrong() {
        List<List<String>> cases = List.of(
                List.of("invoke", "nightly", "--event", "events/watcher-schedule-v2.json"),
                List.of("invoke", "watcher"),
                List.of("invoke", "watcher", "--event", "events/no-such-file.json"),
                List.of("invoke", "watcher", "--event", "events/watcher-schedule-v2.json", "--remaining-ms", "soon"));

        List<Integer> statuses = cases.stream().map(args -> run(args.toArray(String[]::new))).toList();

        assertThat(statuses).containsOnly(Main.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown handler 'nightly'")
                .contains("invoke needs --event FILE").contains("no such file events/no-such-file.json")
                .contains("--remaining-ms: expected milliseconds");
    }
}
