package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.QueueFields;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Every way an LLM call fails, end to end through the engine against the real Elasticsearch and fake servers. */
class LlmFailuresTest {

    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = Secrets.configure(WatcherFixture.withFakeProviders(es));
    private final FakeOllamaServer ollama = fixture.ollama();
    private final FakeOpenAiServer openAi = fixture.openAi();
    private final String target = TestElasticsearch.uniqueIndex("llm-failures");
    private StderrCapture stderr;

    @BeforeEach
    void start() {
        stderr = StderrCapture.start();
    }

    @AfterEach
    void stop() {
        stderr.close();
        assertThat(stderr.text()).doesNotContain(Secrets.ALL);
    }

    private void queue(String provider, String message, Object format) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "Rate: {{ctx.message}}");
        meta.put("provider", provider);
        meta.put("format", format);
        es.indexQueueDocument(fixture.queueIndex(), provider + "-" + message, Map.of("message", message), meta);
    }

    private RunReport pass(Selection selection) {
        try (Watcher watcher = fixture.watcher()) {
            return watcher.runPass(selection, Instant.now().plusSeconds(60), Integer.MAX_VALUE, StopSignal.never());
        }
    }

    private String error(String id) {
        return QueueAssertions.error(es, fixture.queueIndex(), id);
    }

    @Test
    void eachFailedAnswerLeavesItsDocumentQueuedWithASpecificErrorWhileTheOthersComplete() {
        fixture.with("LLM_WATCHER_LLM_TIMEOUT", "1");
        Map<String, Reply> replies = new LinkedHashMap<>();
        replies.put("fine", Reply.text("{\"scale\": 4}"));
        replies.put("thinking", Reply.text("<think>maybe {\"scale\": 1}?</think>\n{\"scale\": 8}"));
        replies.put("prose", Reply.text("I would say it is a nine."));
        replies.put("garbled", Reply.malformed("{not json"));
        replies.put("wrong-type", Reply.text("{\"scale\": \"ten\"}"));
        replies.put("truncated", Reply.truncated("{\"scale\": "));
        replies.put("refused", Reply.refusal("I can't help with rating this."));
        replies.put("no-model", Reply.modelNotFound());
        replies.put("broken", Reply.serverError());
        replies.put("slow", Reply.delayed(Duration.ofSeconds(3), Reply.text("{\"scale\": 2}")));
        replies.put("protected", Reply.text("{\"scale\": 5, \"_llm_watcher\": {\"parked\": true}}"));
        replies.put("protected-id", Reply.text("{\"scale\": 5, \"_id\": \"other\"}"));
        ollama.respondWith(request -> replies.get(request.prompt().substring("Rate: ".length())));
        openAi.respondWith(request -> replies.get(request.prompt().substring("Rate: ".length())));
        for (String message : replies.keySet()) {
            queue("ollama", message, SCALE_SCHEMA);
            queue("openai", message, SCALE_SCHEMA);
        }

        RunReport report = pass(Selection.NEW);

        assertThat(report.processed()).isEqualTo(4);
        assertThat(es.source(target, "ollama-fine")).contains(Map.of("message", "fine", "scale", 4));
        assertThat(es.source(target, "openai-thinking")).contains(Map.of("message", "thinking", "scale", 8));
        assertThat(es.source(target, "ollama-thinking")).contains(Map.of("message", "thinking", "scale", 8));
        for (String provider : List.of("ollama", "openai")) {
            assertThat(error(provider + "-prose")).contains(provider + " model llama3.3").contains("not valid JSON");
            assertThat(error(provider + "-garbled")).contains("unreadable answer").contains("{not json");
            assertThat(error(provider + "-wrong-type")).contains("does not match the schema").contains("scale");
            assertThat(error(provider + "-truncated")).contains("truncated").contains("=length");
            assertThat(error(provider + "-no-model")).contains("404").contains("llama3.3");
            assertThat(error(provider + "-broken")).contains("500");
            assertThat(error(provider + "-slow")).contains("did not answer within");
            assertThat(error(provider + "-protected")).contains("protected field \"_llm_watcher\"");
            assertThat(error(provider + "-protected-id")).contains("protected field \"_id\"");
        }
        assertThat(error("openai-refused")).contains("refused").contains("I can't help with rating this.");
        assertThat(error("ollama-refused")).contains("not valid JSON");
        assertThat(es.count(target)).isEqualTo(4);
        assertThat(report.failed()).isEqualTo(2 * replies.size() - 4);
    }

    @Test
    void serverErrorIsRetriedWithinTheCallAndTheDocumentCompletes() {
        AtomicInteger calls = new AtomicInteger();
        ollama.respondWith(request -> calls.incrementAndGet() <= 2 ? Reply.serverError()
                : Reply.text("{\"scale\": 6}"));
        queue("ollama", "flaky", SCALE_SCHEMA);

        RunReport report = pass(Selection.NEW);

        assertThat(report.processed()).isEqualTo(1);
        assertThat(ollama.calls()).isEqualTo(3);
        assertThat(es.source(target, "ollama-flaky")).contains(Map.of("message", "flaky", "scale", 6));
    }

    @Test
    void refusedConnectionFailsTheDocumentsWithTheReasonAndARetryPassFinishesThemOnceTheServerIsBack()
            throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        fixture.with("OLLAMA_API_URL", "http://127.0.0.1:" + closedPort).with("LLM_WATCHER_LLM_TIMEOUT", "2");
        queue("ollama", "a", SCALE_SCHEMA);
        queue("ollama", "b", SCALE_SCHEMA);

        RunReport failing = pass(Selection.NEW);

        assertThat(failing.failed()).isEqualTo(2);
        assertThat(error("ollama-a")).contains("ollama model llama3.3").contains("127.0.0.1:" + closedPort);
        assertThat(QueueAssertions.watcherMeta(es, fixture.queueIndex(), "ollama-b")).containsEntry("attempts", 1);

        fixture.with("OLLAMA_API_URL", ollama.baseUrl().toString());
        ollama.respond(Reply.text("{\"scale\": 3}"));
        RunReport retry = pass(Selection.RETRY);

        assertThat(retry.processed()).isEqualTo(2);
        assertThat(es.count(fixture.queueIndex())).isZero();
    }

    @Test
    void rateLimitsWithoutRetryAfterSlowTheRunDownInsteadOfFailingDocuments() {
        rateLimitedRunCompletesEveryDocument(null);
    }

    @Test
    void rateLimitsWithRetryAfterAreHonouredAndEveryDocumentCompletes() {
        rateLimitedRunCompletesEveryDocument(Duration.ofSeconds(1));
    }

    private void rateLimitedRunCompletesEveryDocument(Duration retryAfter) {
        fixture.with("LLM_WATCHER_CONCURRENCY", "8").with("LLM_WATCHER_BATCH_SIZE", "20");
        ollama.concurrencyLimit(2, retryAfter).latency(Duration.ofMillis(100)).respond(Reply.text("{\"scale\": 1}"));
        for (int i = 0; i < 16; i++) {
            queue("ollama", "doc" + i, SCALE_SCHEMA);
        }

        RunReport report = pass(Selection.NEW);

        assertThat(report.processed()).isEqualTo(16);
        assertThat(report.failed()).isZero();
        assertThat(ollama.calls()).as("some calls were turned away with 429").isGreaterThan(16);
        assertThat(es.count(fixture.queueIndex())).isZero();
    }

    @Test
    void anAccountOutOfCreditStopsThePassAndLeavesEveryDocumentQueuedAsItWas() {
        fixture.with("LLM_WATCHER_CONCURRENCY", "2").with("LLM_WATCHER_BATCH_SIZE", "4");
        openAi.respond(Reply.raw(429, "{\"error\": {\"message\": \"You exceeded your current quota.\", "
                + "\"type\": \"insufficient_quota\", \"code\": \"insufficient_quota\"}}"));
        for (int i = 0; i < 12; i++) {
            queue("openai", "doc" + i, SCALE_SCHEMA);
        }

        RunReport report = pass(Selection.NEW);

        assertThat(report.stoppedBy()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("openai has no quota left").contains("You exceeded your current quota."));
        assertThat(report.processed()).isZero();
        assertThat(report.failed()).as("nothing is the documents' fault").isZero();
        assertThat(openAi.calls()).as("no retries, and no call after the pass stopped").isLessThanOrEqualTo(2);
        assertThat(es.count(fixture.queueIndex())).isEqualTo(12);
        for (int i = 0; i < 12; i++) {
            assertThat(error("openai-doc" + i)).as("doc%d carries no error", i).isNull();
            assertThat(QueueAssertions.watcherMeta(es, fixture.queueIndex(), "openai-doc" + i))
                    .as("doc%d has no attempt counted", i).doesNotContainKey(QueueFields.ATTEMPTS);
        }
    }
}
