package dev.llmwatcher.engine;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

class WatcherEngineTest {

    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es);
    private final FakeOllamaServer ollama = fixture.ollama();
    private final FakeOpenAiServer openAi = fixture.openAi();
    private final String target = TestElasticsearch.uniqueIndex("reviews");

    private Map<String, Object> meta(String provider, Object format) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate this review: {{ctx.message}}");
        meta.put("provider", provider);
        meta.put("format", format);
        return meta;
    }

    private void queue(String id, String message, Map<String, Object> meta) {
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", message), meta);
    }

    private RunReport pass(Watcher watcher, Selection selection, Duration budget) {
        return watcher.runPass(selection, Instant.now().plus(budget), Integer.MAX_VALUE, StopSignal.never());
    }

    /** One pass over new documents with a watcher of its own, which must return before {@code deadline}. */
    private RunReport passUntil(Instant deadline) {
        try (Watcher watcher = fixture.watcher()) {
            return watcher.runPass(Selection.NEW, deadline, Integer.MAX_VALUE, StopSignal.never());
        }
    }

    @Test
    void ollamaAnswerIsMergedAtTheRootAndTheQueueDocumentRemoved() {
        ollama.respond(Reply.success("{\"scale\": 9}", 12, 3, "stop"));
        queue("2", "I love it!", meta("ollama", SCALE_SCHEMA));

        RunReport report;
        try (Watcher watcher = fixture.watcher()) {
            report = pass(watcher, Selection.NEW, Duration.ofSeconds(30));
        }

        assertThat(es.source(target, "2")).contains(Map.of("message", "I love it!", "scale", 9));
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(report.found()).isEqualTo(1);
        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.tokensByModel()).containsEntry("llama3.3", new dev.llmwatcher.llm.TokenUsage(12, 3));
        assertThat(ollama.lastRequest().body())
                .containsEntry("model", "llama3.3")
                .containsEntry("prompt", "Rate this review: I love it!")
                .containsEntry("stream", false)
                .containsEntry("format", SCALE_SCHEMA);
    }

    @Test
    void openAiProviderGetsAJsonSchemaResponseFormat() {
        openAi.respond(Reply.success("{\"scale\": 3}", 20, 4, "stop"));
        Map<String, Object> meta = meta("openai", SCALE_SCHEMA);
        meta.put("model", "gpt-4o-mini");
        meta.put("options", Map.of("temperature", 0));
        queue("a", "Meh.", meta);

        try (Watcher watcher = fixture.watcher()) {
            pass(watcher, Selection.NEW, Duration.ofSeconds(30));
        }

        assertThat(es.source(target, "a")).contains(Map.of("message", "Meh.", "scale", 3));
        Map<String, Object> body = openAi.lastRequest().body();
        assertThat(body).containsEntry("model", "gpt-4o-mini").containsEntry("temperature", 0);
        assertThat(body.get("response_format")).isEqualTo(Map.of("type", "json_schema",
                "json_schema", Map.of("name", "answer", "schema", SCALE_SCHEMA, "strict", false)));
        assertThat(openAi.lastRequest().header("Authorization")).isEqualTo("Bearer sk-test-fixture-key");
    }

    @Test
    void textAnswerWithoutSchemaGoesToLlmOutputOrTheTargetField() {
        ollama.respond(Reply.text("A happy customer."));
        queue("plain", "I love it!", meta("ollama", Map.of()));
        Map<String, Object> targeted = meta("ollama", null);
        targeted.put("target_field", "summary");
        queue("targeted", "I love it!", targeted);

        try (Watcher watcher = fixture.watcher()) {
            pass(watcher, Selection.NEW, Duration.ofSeconds(30));
        }

        assertThat(es.source(target, "plain").orElseThrow()).containsEntry("llm_output", "A happy customer.");
        assertThat(es.source(target, "targeted").orElseThrow()).containsEntry("summary", "A happy customer.");
    }

    @Test
    void failedCallStaysQueuedWithErrorAndRetryModeSucceedsLater() {
        ollama.respond(Reply.error(400, "invalid options"));
        queue("3", "Broken?", meta("ollama", SCALE_SCHEMA));

        try (Watcher watcher = fixture.watcher()) {
            RunReport failedPass = pass(watcher, Selection.NEW, Duration.ofSeconds(30));
            Map<String, Object> failed = watcherMeta(es.source(fixture.queueIndex(), "3").orElseThrow());

            assertThat(failedPass.failed()).isEqualTo(1);
            assertThat((String) failed.get("error")).contains("400").contains("invalid options");
            assertThat(failed).containsEntry("attempts", 1).containsKey("last_attempt_at");
            assertThat(es.source(target, "3")).isEmpty();
            assertThat(pass(watcher, Selection.NEW, Duration.ofSeconds(30)).found()).isZero();

            ollama.respond(Reply.text("{\"scale\": 7}"));
            RunReport retryPass = pass(watcher, Selection.RETRY, Duration.ofSeconds(30));

            assertThat(retryPass.processed()).isEqualTo(1);
        }
        assertThat(es.source(target, "3")).contains(Map.of("message", "Broken?", "scale", 7));
        assertThat(es.count(fixture.queueIndex())).isZero();
    }

    @Test
    void templateNamingAMissingFieldFailsWithoutCallingTheLlm() {
        Map<String, Object> meta = meta("ollama", SCALE_SCHEMA);
        meta.put("prompt", "Rate: {{ctx.review_text}}");
        queue("4", "Good", meta);

        try (Watcher watcher = fixture.watcher()) {
            pass(watcher, Selection.NEW, Duration.ofSeconds(30));
        }

        assertThat(ollama.calls()).isZero();
        assertThat((String) watcherMeta(es.source(fixture.queueIndex(), "4").orElseThrow()).get("error"))
                .contains("review_text");
    }

    @Test
    void callsStayUnderTheConcurrencyCapAndAFreeSlotTakesTheNextDocumentAtOnce() {
        fixture.with("LLM_WATCHER_BATCH_SIZE", "10").with("LLM_WATCHER_CONCURRENCY", "3");
        Map<String, Instant> arrivals = new ConcurrentHashMap<>();
        ollama.respondWith(request -> {
            arrivals.put(request.prompt(), Instant.now());
            return request.prompt().contains("slow")
                    ? Reply.delayed(Duration.ofMillis(2500), Reply.text("{\"scale\": 1}"))
                    : Reply.delayed(Duration.ofMillis(100), Reply.text("{\"scale\": 2}"));
        });
        queue("slow", "slow", meta("ollama", SCALE_SCHEMA));
        for (int i = 0; i < 12; i++) {
            queue("fast-" + i, "fast " + i, meta("ollama", SCALE_SCHEMA));
        }

        RunReport report;
        try (Watcher watcher = fixture.watcher()) {
            report = pass(watcher, Selection.NEW, Duration.ofSeconds(60));
        }

        assertThat(report.processed()).isEqualTo(13);
        assertThat(ollama.maxInFlight()).isEqualTo(3);
        // Waves of three would make every fast document after the first wave wait for the slow one to finish.
        Instant slowDone = arrivals.get("Rate this review: slow").plusMillis(2500);
        assertThat(arrivals).hasSize(13);
        assertThat(arrivals.values()).allSatisfy(arrival -> assertThat(arrival).isBefore(slowDone));
    }

    @Test
    void passReturnsBeforeItsDeadlineWithFinishedWorkStoredAndTheRestUntouched() {
        fixture.with("LLM_WATCHER_CONCURRENCY", "2");
        ollama.latency(Duration.ofMillis(1500)).respond(Reply.text("{\"scale\": 5}"));
        for (int i = 0; i < 8; i++) {
            queue("d" + i, "review " + i, meta("ollama", SCALE_SCHEMA));
        }
        Instant deadline = Instant.now().plusMillis(5000);

        RunReport report = passUntil(deadline);

        assertThat(Instant.now()).isBefore(deadline);
        assertThat(report.processed()).isBetween(2, 6);
        assertThat(report.failed()).isZero();
        assertThat(report.stoppedBy()).contains("deadline reached");
        long stored = es.count(target);
        assertThat(stored).isEqualTo(report.processed());
        assertThat(es.count(fixture.queueIndex())).isEqualTo(8 - stored);
        assertThat(report.backlog()).as("the released documents are eligible again").isEqualTo(8 - stored);
        for (int i = 0; i < 8; i++) {
            es.source(fixture.queueIndex(), "d" + i).ifPresent(left ->
                    assertThat(watcherMeta(left)).doesNotContainKey("error").doesNotContainKey("attempts"));
        }
    }

    @Test
    void aCallCutShortByTheDeadlineReleasesItsDocumentWithoutCountingAnAttempt() {
        fixture.with("LLM_WATCHER_CONCURRENCY", "1").with("LLM_WATCHER_BATCH_SIZE", "3");
        ollama.latency(Duration.ofSeconds(30)).respond(Reply.text("{\"scale\": 5}"));
        for (int i = 0; i < 3; i++) {
            queue("c" + i, "review " + i, meta("ollama", SCALE_SCHEMA));
        }
        Instant deadline = Instant.now().plusMillis(4500);

        RunReport report = passUntil(deadline);

        assertThat(Instant.now()).as("the call's timeout was cut to end before the deadline").isBefore(deadline);
        assertThat(ollama.calls()).as("one call, none after it was cut").isEqualTo(1);
        assertThat(report.processed()).isZero();
        assertThat(report.failed()).as("a cut call is not the document's fault").isZero();
        assertThat(report.released()).isEqualTo(3);
        assertThat(report.stoppedBy()).contains("deadline reached");
        for (int i = 0; i < 3; i++) {
            assertThat(watcherMeta(es.source(fixture.queueIndex(), "c" + i).orElseThrow()))
                    .doesNotContainKeys("error", "attempts")
                    .satisfies(left -> assertThat(left.get("claim")).isNull());
        }
    }

    @Test
    void aDocumentQueuedWhileTheLastCallRunsIsInTheBacklog() {
        fixture.with("LLM_WATCHER_CONCURRENCY", "1");
        ollama.latency(BacklogCount.MAX_AGE.plusMillis(500)).respondWith(request -> {
            queue("late", "late", meta("ollama", SCALE_SCHEMA));
            return Reply.text("{\"scale\": 1}");
        });
        queue("first", "first", meta("ollama", SCALE_SCHEMA));

        RunReport report;
        try (Watcher watcher = fixture.watcher()) {
            report = pass(watcher, Selection.NEW, Duration.ofSeconds(30));
        }

        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.backlog()).as("queued after the pass claimed its last document").isEqualTo(1);
    }

    @Test
    void documentsReleasedRightAfterTheLastClaimAreInTheBacklog() {
        fixture.with("LLM_WATCHER_CONCURRENCY", "1");
        StopSignal stop = new StopSignal();
        ollama.latency(Duration.ofMillis(300)).respondWith(request -> {
            stop.raise();
            return Reply.text("{\"scale\": 5}");
        });
        for (int i = 0; i < 3; i++) {
            queue("r" + i, "review " + i, meta("ollama", SCALE_SCHEMA));
        }

        // The pass claims all three and calls for the first; a stop comes during that call, so the other two are
        // released when it ends, well within a second of the count that started as the last document was claimed.
        RunReport report;
        try (Watcher watcher = fixture.watcher()) {
            report = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(60), Integer.MAX_VALUE, stop);
        }

        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.released()).isEqualTo(2);
        assertThat(report.backlog()).as("released after the early count").isEqualTo(2);
    }

    @Test
    void maxDocumentsCapsAPass() {
        ollama.respond(Reply.text("{\"scale\": 5}"));
        for (int i = 0; i < 5; i++) {
            queue("m" + i, "review " + i, meta("ollama", SCALE_SCHEMA));
        }

        RunReport report;
        try (Watcher watcher = fixture.watcher()) {
            report = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(30), 2, StopSignal.never());
        }

        assertThat(report.processed()).isEqualTo(2);
        assertThat(report.backlog()).isEqualTo(3);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> watcherMeta(Map<String, Object> source) {
        return new LinkedHashMap<>((Map<String, Object>) source.get("_llm_watcher"));
    }
}
