package dev.llmwatcher.aws;

import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.StderrCapture;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class SnapStartPrimingTest {

    @Test
    void primingWalksAWholeInvocationThroughEveryStepAgainstTheLoopbackServers() {
        SnapStartPriming.Result result = SnapStartPriming.of("watcher", Selection.NEW).run();

        List<String> requests = result.requests();
        assertThat(result.problems()).isEmpty();
        assertThat(requests).contains("elasticsearch POST /llm-watcher-priming/_count",
                "elasticsearch POST /llm-watcher-priming/_pit?keep_alive=5m",
                "elasticsearch POST /_search?typed_keys=true", "elasticsearch DELETE /_pit",
                "llm POST /api/generate", "llm POST /v1/chat/completions",
                "elasticsearch POST /llm-watcher-priming/_search?typed_keys=true");
        assertThat(requests).containsOnlyOnce("llm POST /api/generate", "llm POST /v1/chat/completions");
        assertThat(requests.stream().filter(r -> r.startsWith("elasticsearch POST /_bulk")))
                .as("claim, store results, remove from the queue").hasSizeGreaterThanOrEqualTo(3);
        assertThat(requests.indexOf("elasticsearch POST /llm-watcher-priming/_search?typed_keys=true"))
                .as("the queue-age query after the pass").isGreaterThan(requests.indexOf("elasticsearch DELETE /_pit"));
    }

    @Test
    void theRetryHandlersPrimingTakesTheRetryPath() {
        SnapStartPriming.Result result = SnapStartPriming.of("retry", Selection.RETRY).run();

        assertThat(result.problems()).isEmpty();
        assertThat(result.requests()).contains("elasticsearch POST /_search?typed_keys=true", "llm POST /api/generate",
                "llm POST /v1/chat/completions");
    }

    @Test
    void primingNeitherContactsTheConfiguredClusterNorPrintsMetrics() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        ByteArrayOutputStream metrics = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(metrics, true, StandardCharsets.UTF_8);
        HandlerEnvironment environment = new HandlerEnvironment(Map.of("ELASTICSEARCH_URL",
                "http://127.0.0.1:" + closedPort, "LLM_WATCHER_WATCH_INDEX", "real-queue"), Clock.systemUTC(),
                Optional.empty(), out);
        new WatcherHandler(environment);

        SnapStartPriming.Result result = SnapStartPriming.of("watcher", Selection.NEW).run();

        assertThat(result.requests()).isNotEmpty().noneMatch(r -> r.contains("real-queue"));
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void primingReadsItsSecretThroughTheSdkClientAndMakesOneLlmCallOverTls() {
        SnapStartPriming.Result result = SnapStartPriming.of("watcher", Selection.NEW).run();

        assertThat(result.requests()).containsOnlyOnce("secretsmanager POST /", "https POST /v1/chat/completions");
    }

    @Test
    void primingLogsOneLineAboutItselfAndNoneOfItsPass() {
        String logged;
        try (StderrCapture stderr = StderrCapture.start()) {
            SnapStartPriming.of("watcher", Selection.NEW).run();
            logged = stderr.text();
        }

        assertThat(logged.lines().filter(line -> !line.isBlank())).singleElement().asString()
                .contains(" INFO SnapStart priming: one watcher invocation")
                .contains("nothing left this JVM");
    }

    @Test
    void aPrimingThatFailsLogsOneWarningInsteadOfThrowing() {
        SnapStartPriming broken = SnapStartPriming.of("watcher", Selection.NEW,
                Map.of("LLM_WATCHER_CONCURRENCY", "many"));
        String logged;
        try (StderrCapture stderr = StderrCapture.start()) {
            assertThatCode(() -> broken.beforeCheckpoint(null)).doesNotThrowAnyException();
            logged = stderr.text();
        }

        assertThat(broken.run().problems()).singleElement().asString().startsWith("it stopped with ")
                .contains("LLM_WATCHER_CONCURRENCY");
        assertThat(logged.lines().filter(line -> line.contains(" WARN "))).singleElement().asString()
                .contains("SnapStart priming was incomplete").contains("the snapshot is taken all the same");
    }
}
