package dev.llmwatcher.cli;

import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code cache} on OpenSearch 3.x through the command line, as {@link CacheCommandTest} on Elasticsearch. */
class OpenSearchCacheCommandTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private final OpenSearchServer server = OpenSearchServer.shared();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final String cacheIndex = TestElasticsearch.uniqueIndex("answer-cache");

    private int runCli(String... args) {
        out.reset();
        Console console = new Console(Map.of("ELASTICSEARCH_URL", server.url().toString(),
                "LLM_WATCHER_WATCH_INDEX", TestElasticsearch.uniqueIndex("cache-queue"),
                "LLM_WATCHER_ANSWER_CACHE_INDEX", cacheIndex), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC));
        return Main.standard().run(args, console);
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private void cacheAnswer(String key, String answeredAt) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("model", "llama3.3");
        entry.put("answered_at", answeredAt);
        entry.put("prompt_tokens", 10);
        entry.put("completion_tokens", 2);
        entry.put("answer", "{\"scale\": 7}");
        server.indexDocument(cacheIndex, key, entry);
    }

    @Test
    void olderThanDropsOnlyOldAnswersAndClearDropsAll() {
        cacheAnswer("recent", "2026-03-01T11:00:00Z");
        cacheAnswer("old", "2026-02-01T11:00:00Z");
        cacheAnswer("older", "2025-02-01T11:00:00Z");

        assertThat(runCli("cache", "--older-than", "86400")).isZero();
        assertThat(output()).contains("Deleted 2 cached answers older than 1d 0h", "Answer cache " + cacheIndex
                + ": 1 answers");
        assertThat(server.source(cacheIndex, "recent")).isPresent();

        assertThat(runCli("cache", "--clear")).isZero();
        assertThat(output()).contains("Deleted 1 cached answers", ": 0 answers");
    }

    @Test
    void aCacheThatDoesNotExistYetIsEmpty() {
        assertThat(runCli("cache", "--clear")).isZero();
        assertThat(output()).contains("Deleted 0 cached answers", ": 0 answers");
    }
}
