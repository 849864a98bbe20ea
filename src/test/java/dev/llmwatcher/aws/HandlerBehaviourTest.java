package dev.llmwatcher.aws;

import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.MutableClock;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The handlers on the shared test Elasticsearch: deadlines, retries with backoff, input overrides. */
class HandlerBehaviourTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final MutableClock clock = new MutableClock();
    private final LambdaHarness lambda = new LambdaHarness(clock);
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es);
    private final FakeOllamaServer ollama = fixture.ollama();
    private final String target = TestElasticsearch.uniqueIndex("reviews");

    private void queue(String id) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}} #" + id);
        meta.put("format", SampleEventsTest.SCALE_SCHEMA);
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", "review " + id), meta);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> queueMeta(String id) {
        return (Map<String, Object>) es.source(fixture.queueIndex(), id).orElseThrow().get("_llm_watcher");
    }

    @Test
    void withASlowLlmAndLittleTimeLeftTheHandlerReturnsBeforeTheDeadlineLeavingTheRestUntouched() {
        ollama.respond(Reply.text("{\"scale\": 5}")).latency(Duration.ofSeconds(3));
        fixture.with("LLM_WATCHER_BATCH_SIZE", "1").with("LLM_WATCHER_SAFETY_MARGIN", "1");
        List<String> ids = List.of("a", "b", "c", "d", "e");
        ids.forEach(this::queue);
        WatcherHandler handler = lambda.watcher(fixture);
        LocalContext context = lambda.context("llm-watcher-test", Duration.ofSeconds(9));

        Map<String, Object> summary = handler.handleRequest(Map.of(), context);

        int processed = (Integer) summary.get("processed");
        assertThat(context.getRemainingTimeInMillis()).as("time left when the handler returned").isPositive();
        assertThat(summary).containsEntry("stopped_by", "deadline reached").containsEntry("failed", 0);
        assertThat(processed).isBetween(1, ids.size() - 1);
        assertThat(es.count(target)).isEqualTo(processed);
        List<String> left = ids.stream().filter(id -> es.source(fixture.queueIndex(), id).isPresent()).toList();
        assertThat(left).hasSize(ids.size() - processed);
        assertThat(left).allSatisfy(id -> assertThat(queueMeta(id))
                .doesNotContainKeys("error", "attempts")
                .satisfies(meta -> assertThat(meta.get("claim")).isNull()));
    }

    @Test
    void withTheOllamaUrlSetEmptyADocumentAskingForOllamaFailsSayingSoWithoutAnyCall() {
        ollama.respond(Reply.text("{\"scale\": 5}"));
        fixture.with("OLLAMA_API_URL", "");
        queue("local");

        Map<String, Object> summary = lambda.watcher(fixture).handleRequest(Map.of(), lambda.context());

        assertThat(summary).containsEntry("processed", 0).containsEntry("failed", 1);
        assertThat((String) queueMeta("local").get("error")).contains("\"ollama\" is not available here")
                .contains("OLLAMA_API_URL is set empty");
        assertThat(ollama.calls()).as("no call to the Ollama that used to be the fallback").isZero();
    }

    @Test
    void theRetryHandlerWaitsForABackoffThatGrowsWithEachAttempt() {
        fixture.with("LLM_WATCHER_RETRY_BACKOFF", "60");
        ollama.respond(Reply.error(400, "model refused the options"));
        queue("flaky");
        WatcherHandler watcher = lambda.watcher(fixture);
        RetryHandler retry = lambda.retry(fixture);

        Map<String, Object> firstFailure = watcher.handleRequest(Map.of(), lambda.context());
        Map<String, Object> tooEarly = retry.handleRequest(Map.of(), lambda.context());
        clock.advance(Duration.ofSeconds(61));
        Map<String, Object> secondFailure = retry.handleRequest(Map.of(), lambda.context());
        Instant secondAttemptAt = clock.instant();
        Map<String, Object> meta = queueMeta("flaky");
        clock.advance(Duration.ofSeconds(61));
        Map<String, Object> stillTooEarly = retry.handleRequest(Map.of(), lambda.context());
        clock.advance(Duration.ofSeconds(60));
        ollama.respond(Reply.text("{\"scale\": 2}"));
        Map<String, Object> success = retry.handleRequest(Map.of(), lambda.context());

        assertThat(firstFailure).containsEntry("failed", 1);
        assertThat(tooEarly).containsEntry("found", 0L);
        assertThat(secondFailure).containsEntry("found", 1L).containsEntry("failed", 1);
        assertThat(meta).containsEntry("attempts", 2);
        assertThat(Duration.between(secondAttemptAt, Instant.parse((String) meta.get("next_attempt_at"))))
                .isBetween(Duration.ofSeconds(110), Duration.ofSeconds(120));
        assertThat(stillTooEarly).containsEntry("found", 0L);
        assertThat(success).containsEntry("processed", 1).containsEntry("mode", "retry");
        assertThat(es.source(target, "flaky")).contains(Map.of("message", "review flaky", "scale", 2));
        assertThat(ollama.calls()).isEqualTo(3);
    }

    @Test
    void maxDocumentsAndWatchIndexOverridesAreTakenFromTheInput() {
        ollama.respond(Reply.text("{\"scale\": 1}"));
        String otherQueue = TestElasticsearch.uniqueIndex("other-queue");
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("format", SampleEventsTest.SCALE_SCHEMA);
        for (String id : List.of("1", "2", "3")) {
            es.indexQueueDocument(otherQueue, id, Map.of("message", "m" + id), meta);
        }
        queue("untouched");

        Map<String, Object> summary = lambda.watcher(fixture).handleRequest(
                Map.of("detail", Map.of("watch_index", otherQueue, "max_documents", "2")), lambda.context());

        assertThat(summary).containsEntry("queue", otherQueue).containsEntry("processed", 2)
                .containsEntry("backlog", 1L);
        assertThat(es.count(otherQueue)).isEqualTo(1);
        assertThat(es.source(fixture.queueIndex(), "untouched")).isPresent();
    }

    @Test
    void badOverridesAreRefusedNamingEachOne() {
        WatcherHandler handler = lambda.watcher(fixture);

        assertThatThrownBy(() -> handler.handleRequest(Map.of("watch_index", "Bad Index", "max_documents", 0),
                lambda.context()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("watch_index: 'Bad Index' is not a valid index name")
                .hasMessageContaining("max_documents: expected a whole number of at least 1, got '0'");
    }
}
