package dev.llmwatcher.aws;

import dev.llmwatcher.queue.Selection;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class SnapStartPrimingTest {

    @Test
    void primingWalksAWholeInvocationThroughEveryStepAgainstTheLoopbackServer() {
        List<String> requests = SnapStartPriming.of("watcher", Selection.NEW).prime();

        assertThat(requests).contains("POST /llm-watcher-priming/_count", "POST /llm-watcher-priming/_pit?keep_alive=5m",
                "POST /_search?typed_keys=true", "DELETE /_pit", "POST /api/generate", "POST /v1/chat/completions",
                "POST /llm-watcher-priming/_search?typed_keys=true");
        assertThat(requests.stream().filter(r -> r.equals("POST /api/generate"))).hasSize(1);
        assertThat(requests.stream().filter(r -> r.equals("POST /v1/chat/completions"))).hasSize(1);
        assertThat(requests.stream().filter(r -> r.startsWith("POST /_bulk")))
                .as("claim, store results, remove from the queue").hasSizeGreaterThanOrEqualTo(3);
        assertThat(requests.indexOf("POST /api/generate"))
                .isGreaterThan(requests.indexOf("POST /_search?typed_keys=true"));
    }

    @Test
    void theRetryHandlersPrimingTakesTheRetryPath() {
        List<String> requests = SnapStartPriming.of("retry", Selection.RETRY).prime();

        assertThat(requests).contains("POST /_search?typed_keys=true", "POST /api/generate",
                "POST /v1/chat/completions");
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

        List<String> requests = SnapStartPriming.of("watcher", Selection.NEW).prime();

        assertThat(requests).isNotEmpty().noneMatch(r -> r.contains("real-queue"));
        assertThat(metrics.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void primingReadsItsSecretThroughTheSdkClientAndMakesOneLlmCallOverTls() throws Exception {
        List<String> certificatesBefore = primingCertificateDirectories();

        List<String> requests = SnapStartPriming.of("watcher", Selection.NEW).prime();

        assertThat(requests).containsOnlyOnce("secretsmanager POST /", "https POST /v1/chat/completions");
        assertThat(primingCertificateDirectories()).as("the throwaway certificate is deleted")
                .isEqualTo(certificatesBefore);
    }

    private static List<String> primingCertificateDirectories() throws Exception {
        try (var paths = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return paths.map(path -> path.getFileName().toString())
                    .filter(name -> name.startsWith("llm-watcher-priming-tls")).sorted().toList();
        }
    }
}
