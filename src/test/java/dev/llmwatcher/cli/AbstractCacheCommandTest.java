package dev.llmwatcher.cli;

import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code cache} command through the command line, stated once and run against each search engine: it drops old
 * answers or all of them, and a cache that does not exist yet is empty. One small subclass per engine.
 */
abstract class AbstractCacheCommandTest {

    protected static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    protected final ByteArrayOutputStream out = new ByteArrayOutputStream();
    protected final ByteArrayOutputStream err = new ByteArrayOutputStream();
    protected final String cacheIndex = TestElasticsearch.uniqueIndex("answer-cache");

    /** The cluster's URL. */
    protected abstract URI url();

    protected abstract void indexDocument(String index, String id, Map<String, ?> source);

    protected abstract Optional<Map<String, Object>> source(String index, String id);

    protected int runCli(String... args) {
        out.reset();
        Console console = new Console(Map.of("ELASTICSEARCH_URL", url().toString(),
                "LLM_WATCHER_WATCH_INDEX", TestElasticsearch.uniqueIndex("cache-queue"),
                "LLM_WATCHER_ANSWER_CACHE_INDEX", cacheIndex), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC));
        return Main.standard().run(args, console);
    }

    protected String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    protected void cacheAnswer(String key, String answeredAt) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("model", "llama3.3");
        entry.put("answered_at", answeredAt);
        entry.put("prompt_tokens", 10);
        entry.put("completion_tokens", 2);
        entry.put("answer", "{\"scale\": 7}");
        indexDocument(cacheIndex, key, entry);
    }

    @Test
    void olderThanDropsOnlyOldAnswersAndClearDropsAll() {
        cacheAnswer("recent", "2026-03-01T11:00:00Z");
        cacheAnswer("old", "2026-02-01T11:00:00Z");
        cacheAnswer("older", "2025-02-01T11:00:00Z");

        assertThat(runCli("cache", "--older-than", "86400")).isZero();
        assertThat(output()).contains("Deleted 2 cached answers older than 1d 0h", "Answer cache " + cacheIndex
                + ": 1 answers");
        assertThat(source(cacheIndex, "recent")).isPresent();

        assertThat(runCli("cache", "--clear")).isZero();
        assertThat(output()).contains("Deleted 1 cached answers", ": 0 answers");
    }

    @Test
    void aCacheThatDoesNotExistYetIsEmptyAndABadAgeIsAUsageError() {
        assertThat(runCli("cache", "--clear")).isZero();
        assertThat(output()).contains("Deleted 0 cached answers", ": 0 answers");

        assertThat(runCli("cache", "--older-than", "a week")).isEqualTo(Main.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--older-than expects a whole number of seconds");
    }
}
