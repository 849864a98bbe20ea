package dev.llmwatcher.cli;

import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM in the middle of a drain, to a real child JVM running the command line ({@code Process.destroy()} sends
 * SIGTERM): it exits 0, every LLM call it started is written back, and every other document is still queued.
 */
class GracefulStopTest {

    private static final int DOCUMENTS = 30;
    private static final int GRACE_SECONDS = 30;

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Test
    void sigtermFinishesInFlightDocumentsAndExitsZero(@TempDir Path dir) throws Exception {
        String queue = TestElasticsearch.uniqueIndex("stop-queue");
        String myIndex = TestElasticsearch.uniqueIndex("my-index");
        Map<String, Map<String, Object>> documents = new LinkedHashMap<>();
        for (int i = 0; i < DOCUMENTS; i++) {
            Map<String, Object> source = new LinkedHashMap<>(Map.of("message", "review " + i));
            source.put("_llm_watcher", TestElasticsearch.pipelineMeta(myIndex, "{{ctx.message}}"));
            documents.put("doc-" + i, source);
        }
        es.bulkIndex(queue, documents);
        CountDownLatch firstCall = new CountDownLatch(1);

        Process child;
        int exit;
        boolean exited;
        int calls;
        try (FakeOllamaServer ollama = new FakeOllamaServer()) {
            ollama.latency(Duration.ofMillis(1500)).respondWith(request -> {
                firstCall.countDown();
                return Reply.text("{\"scale\": 7}");
            });
            child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "--elasticsearch", es.url().toString(), "--ollama-api", ollama.baseUrl().toString(),
                    "--watch-index", queue, "--batch-size", "5", "--shutdown-grace", String.valueOf(GRACE_SECONDS),
                    "--once"))
                    .redirectOutput(dir.resolve("out.log").toFile()).redirectError(dir.resolve("err.log").toFile())
                    .start();
            assertThat(firstCall.await(120, TimeUnit.SECONDS)).as("the child called the LLM").isTrue();

            child.destroy();
            exited = child.waitFor(GRACE_SECONDS + 10, TimeUnit.SECONDS);
            exit = exited ? child.exitValue() : -1;
            calls = (int) ollama.requests().stream().filter(r -> r.path().equals("/api/generate")).count();
        } finally {
            firstCall.countDown();
        }
        String stderr = Files.readString(dir.resolve("err.log"));
        if (!exited) {
            child.destroyForcibly();
        }

        assertThat(exited).as(stderr).isTrue();
        assertThat(exit).as(stderr).isZero();
        assertThat(stderr).contains("SIGTERM received");
        assertThat(es.count(myIndex)).as("every started call written back").isEqualTo(calls);
        assertThat(es.count(myIndex) + es.count(queue)).as("nothing lost").isEqualTo(DOCUMENTS);
        assertThat(es.count(queue)).as("stopped taking documents").isPositive();
    }
}
