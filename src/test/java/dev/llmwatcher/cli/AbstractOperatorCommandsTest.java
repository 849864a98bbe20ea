package dev.llmwatcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code status}, {@code release} and {@code --dry-run} on one queue holding two new documents, one with a broken
 * template, one failed document due for a retry, one parked and one claimed by a running pass; stated once and run
 * against each search engine, one small subclass per engine.
 */
abstract class AbstractOperatorCommandsTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final String queue = TestElasticsearch.uniqueIndex("ops-queue");
    private final String myIndex = TestElasticsearch.uniqueIndex("my-index");
    private FakeOllamaServer ollama;

    /** The cluster's URL. */
    protected abstract URI url();

    /** Installs the queue's index template for {@code queue}, as {@code setup} does on this engine. */
    protected abstract void installQueueTemplate(String queue);

    /** One request to the cluster over plain HTTP. */
    protected abstract TestElasticsearch.Response send(String method, String path, String json);

    private void indexQueueDocument(String index, String id, Map<String, ?> userFields, Map<String, ?> meta) {
        Map<String, Object> source = new LinkedHashMap<>(userFields);
        source.put("_llm_watcher", meta);
        send("PUT", "/" + index + "/_doc/" + id + "?refresh=true", TestElasticsearch.toJson(source))
                .requireSuccess("index " + index + "/" + id);
    }

    @SuppressWarnings("unchecked")
    private Optional<Map<String, Object>> source(String index, String id) {
        TestElasticsearch.Response response = send("GET", "/" + index + "/_doc/" + id, null);
        return response.status() == 404 ? Optional.empty()
                : Optional.of((Map<String, Object>) response.requireSuccess("get " + id).json().get("_source"));
    }

    @BeforeEach
    void queueWithEveryKindOfDocument() {
        ollama = new FakeOllamaServer();
        installQueueTemplate(queue);
        indexQueueDocument(queue, "new-1", Map.of("message", "I love it!"),
                meta("{{ctx.message}}", "2026-03-01T11:00:00Z", Map.of()));
        indexQueueDocument(queue, "new-2", Map.of("message", "Broke after a day"),
                meta("Review: {{ctx.message}}", "2026-03-01T09:30:00Z", Map.of()));
        indexQueueDocument(queue, "broken", Map.of("message", "x"),
                meta("{{ctx.missing_field}}", "2026-03-01T11:30:00Z", Map.of()));
        indexQueueDocument(queue, "retry", Map.of("message", "ok"), meta("{{ctx.message}}",
                "2026-03-01T10:00:00Z", Map.of("error", "ollama model llama3.3: HTTP 500 overloaded", "attempts", 1,
                        "next_attempt_at", "2026-03-01T11:59:00Z")));
        indexQueueDocument(queue, "parked", Map.of("message", "meh"), meta("{{ctx.message}}",
                "2026-03-01T08:00:00Z", Map.of("error", "ollama model llama3.3: model not found", "attempts", 5,
                        "parked", true)));
        indexQueueDocument(queue, "claimed", Map.of("message", "busy"), meta("{{ctx.message}}",
                "2026-03-01T11:45:00Z", Map.of("claim", Map.of("owner", "cli-other", "until",
                        "2026-03-01T12:05:00Z"))));
    }

    @AfterEach
    void stopOllama() {
        ollama.close();
    }

    private Map<String, Object> meta(String prompt, String queuedAt, Map<String, Object> extra) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(myIndex, prompt);
        meta.put("queued_at", queuedAt);
        meta.putAll(extra);
        return meta;
    }

    private int runCli(String... args) {
        return runCli(Map.of(), args);
    }

    /** With {@code overrides} over the test's environment (the queue, the test cluster, the fake Ollama). */
    private int runCli(Map<String, String> overrides, String... args) {
        Map<String, String> environment = new HashMap<>();
        environment.put("ELASTICSEARCH_URL", url().toString());
        environment.put("LLM_WATCHER_WATCH_INDEX", queue);
        environment.put("OLLAMA_API_URL", ollama.baseUrl().toString());
        environment.putAll(overrides);
        Console console = new Console(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC));
        return Main.standard().run(args, console);
    }

    private String versionsPath() {
        return "/" + queue + "/_search?seq_no_primary_term=true&size=100&filter_path=hits.hits._id,hits.hits._seq_no";
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusJsonCountsEveryStateAndTheOldestDocument() throws Exception {
        assertThat(runCli("status", "--json")).as(err.toString(StandardCharsets.UTF_8)).isZero();

        Map<String, Object> status = new ObjectMapper().readValue(output(), Map.class);
        assertThat(status).containsEntry("total", 6).containsEntry("eligible_new", 3)
                .containsEntry("eligible_retry", 1).containsEntry("claimed", 1).containsEntry("errored", 2)
                .containsEntry("parked", 1).containsEntry("oldest_queued_at", "2026-03-01T08:00:00Z");
        assertThat((List<Map<String, Object>>) status.get("top_errors")).containsExactlyInAnyOrder(
                Map.of("error", "ollama model llama3.3: HTTP 500 overloaded", "documents", 1),
                Map.of("error", "ollama model llama3.3: model not found", "documents", 1));
        assertThat((List<Map<String, Object>>) status.get("by_index")).containsExactly(
                Map.of("value", myIndex, "documents", 6, "errored", 2));
        assertThat((List<Map<String, Object>>) status.get("by_model")).containsExactly(
                Map.of("value", "llama3.3", "documents", 6, "errored", 2));
    }

    @Test
    void statusForPeopleShowsAgeAndHowToReleaseParkedDocuments() {
        assertThat(runCli("status")).isZero();

        assertThat(output()).contains("Queue " + queue + ": 6 documents", "3 new, 1 failed and due for a retry",
                "of which parked 1", "llm-watcher release --parked",
                "oldest queued  2026-03-01T08:00:00Z (4h 0m ago)", "model not found");
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusAndReleaseFailOverFromADeadNodeToTheNextUrl() throws Exception {
        String deadFirst = "http://127.0.0.1:1," + url();

        int status = runCli(Map.of("ELASTICSEARCH_URL", deadFirst), "status", "--json");
        Map<String, Object> counts = new ObjectMapper().readValue(output(), Map.class);
        int release = runCli(Map.of("ELASTICSEARCH_URL", deadFirst), "release", "--parked");

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(counts).containsEntry("total", 6).containsEntry("parked", 1);
        assertThat(release).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(output()).contains("Released 1 documents");
    }

    @Test
    void statusOfAMissingQueueSaysNothingIsQueued() {
        send("DELETE", "/" + queue, null).requireSuccess("delete " + queue);

        assertThat(runCli("status")).isZero();
        assertThat(output()).contains("does not exist yet");
    }

    @Test
    void releaseByErrorTextPutsOnlyMatchingDocumentsBack() {
        assertThat(runCli("release", "--error", "model not found")).isZero();

        assertThat(output()).contains("Released 1 documents");
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) source(queue, "parked").orElseThrow().get("_llm_watcher");
        assertThat(meta).containsEntry("error", null).containsEntry("parked", null).containsEntry("attempts", 0)
                .containsEntry("prompt", "{{ctx.message}}");
        assertThat(source(queue, "retry").orElseThrow().toString()).contains("HTTP 500 overloaded");
    }

    @Test
    void releaseAllLeavesClaimedDocumentsAlone() throws Exception {
        assertThat(runCli("release", "--all")).isZero();
        out.reset();
        assertThat(runCli("status", "--json")).isZero();

        @SuppressWarnings("unchecked")
        Map<String, Object> status = new ObjectMapper().readValue(output(), Map.class);
        assertThat(status).containsEntry("errored", 0).containsEntry("parked", 0).containsEntry("eligible_new", 5)
                .containsEntry("claimed", 1);
    }

    @Test
    void releaseById() {
        assertThat(runCli("release", "retry", "parked", "new-1")).isZero();

        assertThat(output()).contains("Released 2 documents");
    }

    @Test
    void releaseWithoutCriteriaIsAUsageError() {
        assertThat(runCli("release")).isEqualTo(Main.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--all");
    }

    @Test
    void dryRunRendersPromptsListsFailuresAndChangesNothing() {
        String before = send("GET", versionsPath(), null).body();

        assertThat(runCli("--dry-run")).as(err.toString(StandardCharsets.UTF_8)).isZero();

        assertThat(output()).contains("READY       id new-1 -> " + myIndex, "provider  ollama, model llama3.3",
                        "prompt    I love it!", "prompt    Review: Broke after a day", "WOULD FAIL  id broken:",
                        "missing_field", "2 documents would be sent to an LLM, 1 would fail before any call")
                .doesNotContain("id retry", "id parked", "id claimed");
        assertThat(ollama.requests()).isEmpty();
        send("POST", "/" + queue + "/_refresh", null).requireSuccess("refresh " + queue);
        assertThat(send("GET", versionsPath(), null).body())
                .isEqualTo(before);
    }

    @Test
    void dryRunWithRetryErrorsShowsTheDueFailedDocument() {
        assertThat(runCli("--dry-run", "--retry-errors")).isZero();

        assertThat(output()).contains("READY       id retry", "1 documents would be sent");
    }
}
