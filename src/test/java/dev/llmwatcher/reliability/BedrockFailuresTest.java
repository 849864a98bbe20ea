package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.AwsTestCredentials;
import dev.llmwatcher.testing.FakeBedrockServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bedrock's answers and failures end to end through the engine, against the real Elasticsearch and the real SDK
 * client: structured answers through the forced tool, free text, each Bedrock error kind, and token usage in the run
 * report. One pass over one document per case; each document's outcome is its own.
 */
class BedrockFailuresTest {

    private static final String MODEL = "amazon.nova-lite-v1:0";
    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final FakeBedrockServer bedrock = FakeBedrockServer.withTestCredentials();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es).withBedrock(bedrock, "us-east-1")
            .with("LLM_WATCHER_LLM_TIMEOUT", "3");
    private final String target = TestElasticsearch.uniqueIndex("bedrock-answers");
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    private void queue(String id, Object format) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("provider", "bedrock");
        meta.put("model", MODEL);
        meta.put("format", format);
        es.indexQueueDocument(fixture.queueIndex(), id, Map.of("message", id), meta);
    }

    private FakeBedrockServer.Reply reply(FakeBedrockServer.Request request) {
        String id = request.prompt().substring("Rate: ".length());
        int attempt = attempts.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
        FakeBedrockServer.Reply scale = FakeBedrockServer.answer("{\"scale\": 7}", 10, 3);
        return switch (id) {
            case "json" -> FakeBedrockServer.answer("{\"sentiment\": \"positive\", \"stars\": 4.5}", 10, 3);
            case "text" -> FakeBedrockServer.answer("Seven out of ten.", 10, 3);
            case "throttled-once" -> attempt == 1 ? FakeBedrockServer.throttled() : scale;
            case "unavailable-once" -> attempt == 1 ? FakeBedrockServer.unavailable() : scale;
            case "not-ready-once" -> attempt == 1 ? FakeBedrockServer.notReady() : scale;
            case "invalid" -> FakeBedrockServer.error("ValidationException", 400,
                    "This model doesn't support the toolChoice field. Remove toolChoice and try again.");
            case "denied" -> FakeBedrockServer.error("AccessDeniedException", 403,
                    "You don't have access to the model with the specified model ID.");
            case "missing" -> FakeBedrockServer.error("ResourceNotFoundException", 404,
                    "Model not found: the provided model identifier is invalid.");
            case "truncated" -> FakeBedrockServer.truncated("{\"scale\": ");
            case "slow" -> FakeBedrockServer.delayed(Duration.ofSeconds(6), scale);
            default -> scale;
        };
    }

    private String error(String id) {
        return QueueAssertions.error(es, fixture.queueIndex(), id);
    }

    @Test
    void eachAnswerAndFailureSettlesItsOwnDocumentAndTheTokensAreReported() {
        List.of("fine", "throttled-once", "unavailable-once", "not-ready-once", "invalid", "denied", "missing",
                "truncated", "slow").forEach(id -> queue(id, SCALE_SCHEMA));
        queue("text", Map.of());
        bedrock.respondWith(this::reply);

        RunReport report = pass();

        assertThat(report.processed()).isEqualTo(5);
        assertThat(report.failed()).isEqualTo(5);
        assertThat(es.source(target, "fine")).contains(Map.of("message", "fine", "scale", 7));
        assertThat(es.source(target, "text")).contains(Map.of("message", "text", "llm_output", "Seven out of ten."));
        for (String retried : List.of("throttled-once", "unavailable-once", "not-ready-once")) {
            assertThat(es.source(target, retried)).as(retried).contains(Map.of("message", retried, "scale", 7));
            assertThat(attempts.get(retried)).as(retried).hasValue(2);
        }
        assertThat(error("invalid")).contains("ValidationException (HTTP 400)")
                .contains("This model doesn't support the toolChoice field");
        assertThat(error("denied")).contains("AccessDeniedException (HTTP 403)").contains(MODEL)
                .contains("bedrock:InvokeModel");
        assertThat(error("missing")).contains("ResourceNotFoundException (HTTP 404)").contains("Model not found");
        assertThat(error("truncated")).contains("truncated at the token limit (stopReason=max_tokens)");
        assertThat(error("slow")).contains("did not answer within");
        assertThat(List.of("invalid", "denied", "missing", "truncated", "slow")).allSatisfy(id ->
                assertThat(error(id)).startsWith("bedrock model " + MODEL + ": ")
                        .doesNotContain(AwsTestCredentials.SECRET_ACCESS_KEY));
        assertThat(report.tokensByModel()).containsEntry(MODEL, new TokenUsage(50, 15));
    }

    @Test
    void aJsonFormatAnswerIsTheForcedToolsInputWhateverItsFields() {
        queue("json", "json");
        bedrock.respondWith(this::reply);

        RunReport report = pass();

        assertThat(report.processed()).isEqualTo(1);
        assertThat(bedrock.lastRequest().forcedTool()).isEqualTo("answer");
        assertThat(es.source(target, "json")).contains(Map.of("message", "json", "sentiment", "positive",
                "stars", 4.5));
    }

    private RunReport pass() {
        try (Watcher watcher = fixture.watcher()) {
            return watcher.runPass(Selection.NEW, Instant.now().plusSeconds(60), Integer.MAX_VALUE,
                    StopSignal.never());
        }
    }
}
