package dev.llmwatcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.store.IndexTemplates;
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
 * The answer cache from the operator's side through the command line, stated once and run against each search engine:
 * {@code setup} installs its index template, {@code status} shows its size, {@code cache} drops old answers or all of
 * them, and a cache that does not exist yet is empty. One small subclass per engine.
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

    /** The index's mapping as the cluster answers it (JSON text). */
    protected abstract String mapping(String index);

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

    @Test
    void setupInstallsTheCacheTemplateOnceAndItMapsTheAnswerAsNotIndexed() {
        String template = IndexTemplates.cacheName(cacheIndex);

        runCli("setup");
        String first = output();
        runCli("setup");

        assertThat(first).containsPattern("index template " + template + " +created");
        assertThat(output()).containsPattern("index template " + template + " +unchanged");
        cacheAnswer("k1", "2026-03-01T11:00:00Z");
        assertThat(mapping(cacheIndex))
                .contains("\"answer\":{\"type\":\"text\",\"index\":false}").contains("\"dynamic\":\"false\"");
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusShowsTheCacheSize() throws Exception {
        cacheAnswer("k1", "2026-03-01T11:00:00Z");
        cacheAnswer("k2", "2026-02-01T11:00:00Z");

        assertThat(runCli("status")).isZero();
        assertThat(output()).contains("Answer cache " + cacheIndex + ": 2 answers, reused for up to 7d 0h");
        assertThat(runCli("status", "--json")).isZero();
        Map<String, Object> status = new ObjectMapper().readValue(output(), Map.class);

        assertThat((Map<String, Object>) status.get("answer_cache")).containsEntry("index", cacheIndex)
                .containsEntry("entries", 2).containsEntry("enabled", true).containsEntry("max_age_seconds", 604800);
    }
}
