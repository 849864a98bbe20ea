package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Malformed queue documents and poison documents: specific errors, bounded attempts, growing waits, no crash. */
class BadQueueDocumentsTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = Secrets.configure(WatcherFixture.withFakeProviders(es));
    private final FakeOllamaServer ollama = fixture.ollama();
    private final String target = TestElasticsearch.uniqueIndex("bad-docs");
    private StderrCapture stderr;

    @BeforeEach
    void start() {
        stderr = StderrCapture.start();
        ollama.respond(Reply.text("{\"scale\": 5}"));
    }

    @AfterEach
    void stop() {
        stderr.close();
        assertThat(stderr.text()).doesNotContain(Secrets.ALL);
    }

    private void queue(String id, Consumer<Map<String, Object>> change) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        change.accept(meta);
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", "Nice"), meta);
    }

    private RunReport pass(Watcher watcher, Selection selection) {
        return watcher.runPass(selection, Instant.now().plusSeconds(60), Integer.MAX_VALUE, StopSignal.never());
    }

    private String error(String id) {
        return QueueAssertions.error(es, fixture.queueIndex(), id);
    }

    @Test
    void eachMalformedQueueDocumentFailsWithItsOwnErrorWithoutAnyLlmCall() {
        // the first pass installs the queue's template; the queue index is then created with it
        fixture.with("LLM_WATCHER_MAX_PROMPT_CHARS", "50");
        Watcher watcher = fixture.watcher();
        pass(watcher, Selection.NEW);
        es.indexDocument(fixture.queueIndex(), "no-meta", Map.of("message", "Nice"));
        queue("no-prompt", meta -> meta.remove("prompt"));
        queue("unknown-provider", meta -> meta.put("provider", "anthropic"));
        queue("no-original-index", meta -> meta.remove("_original_index"));
        queue("template-syntax", meta -> meta.put("prompt", "Rate: {{ctx.message"));
        queue("format-number", meta -> meta.put("format", 42));
        queue("format-yaml", meta -> meta.put("format", "yaml"));
        queue("long-prompt", meta -> meta.put("prompt", "Rate this, please, carefully and in depth: "
                + "{{ctx.message}} {{ctx.message}} {{ctx.message}}"));
        queue("good", meta -> { });

        RunReport report;
        try (watcher) {
            report = pass(watcher, Selection.NEW);
        }

        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.failed()).isEqualTo(8);
        assertThat(ollama.calls()).isEqualTo(1);
        assertThat(error("no-meta")).contains("no _llm_watcher object");
        assertThat(error("no-prompt")).contains("no prompt");
        assertThat(error("unknown-provider")).contains("unknown LLM provider \"anthropic\"").contains("ollama");
        assertThat(error("no-original-index")).contains("_original_index");
        assertThat(error("template-syntax")).containsIgnoringCase("template");
        assertThat(error("format-number")).contains("format");
        assertThat(error("format-yaml")).contains("format").contains("yaml");
        assertThat(error("long-prompt")).contains("more than the limit of 50").contains("--max-prompt-chars");
        assertThat(es.source(target, "good")).contains(Map.of("message", "Nice", "llm_output", "{\"scale\": 5}"));
    }

    @Test
    void poisonDocumentIsParkedAfterMaxAttemptsAndNeverRetriedAgain() {
        fixture.with("LLM_WATCHER_MAX_ATTEMPTS", "3");
        ollama.respond(Reply.text("not json, ever"));
        queue("poison", meta -> meta.put("format", "json"));

        try (Watcher watcher = fixture.watcher()) {
            pass(watcher, Selection.NEW);
            for (int attempt = 2; attempt <= 3; attempt++) {
                assertThat(pass(watcher, Selection.RETRY).failed()).isEqualTo(1);
            }
            RunReport afterParking = pass(watcher, Selection.RETRY);

            assertThat(afterParking.found()).isZero();
            assertThat(pass(watcher, Selection.NEW).found()).isZero();
        }
        Map<String, Object> meta = QueueAssertions.watcherMeta(es, fixture.queueIndex(), "poison");
        assertThat(meta).containsEntry("attempts", 3).containsEntry("parked", true);
        assertThat((String) meta.get("error")).contains("not valid JSON");
        assertThat(ollama.calls()).isEqualTo(3);
    }

    @Test
    void eachFailedAttemptWaitsTwiceAsLongBeforeTheNextRetry() {
        fixture.with("LLM_WATCHER_RETRY_BACKOFF", "60");
        ollama.respond(Reply.text("nope"));
        queue("slowly", meta -> meta.put("format", "json"));
        List<Duration> waits = new ArrayList<>();
        Instant base = Instant.now();

        for (int attempt = 1; attempt <= 3; attempt++) {
            Instant now = base.plus(Duration.ofHours(attempt));
            Clock clock = Clock.fixed(now, ZoneOffset.UTC);
            try (Watcher watcher = Watcher.create(fixture.config(), clock, "backoff")) {
                RunReport report = watcher.runPass(attempt == 1 ? Selection.NEW : Selection.RETRY,
                        now.plusSeconds(60), Integer.MAX_VALUE, StopSignal.never());
                assertThat(report.failed()).isEqualTo(1);
            }
            Map<String, Object> meta = QueueAssertions.watcherMeta(es, fixture.queueIndex(), "slowly");
            waits.add(Duration.between(Instant.parse((String) meta.get("last_attempt_at")),
                    Instant.parse((String) meta.get("next_attempt_at"))));
        }

        assertThat(waits).containsExactly(Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(240));
    }

    @Test
    void documentIsNotRetriedBeforeItsNextAttemptTime() {
        fixture.with("LLM_WATCHER_RETRY_BACKOFF", "3600");
        ollama.respond(Reply.text("nope"));
        queue("waiting", meta -> meta.put("format", "json"));

        try (Watcher watcher = fixture.watcher()) {
            pass(watcher, Selection.NEW);

            assertThat(pass(watcher, Selection.RETRY).found()).isZero();
        }
        assertThat(ollama.calls()).isEqualTo(1);
    }
}
