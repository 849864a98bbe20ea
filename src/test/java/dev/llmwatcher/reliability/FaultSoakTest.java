package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 2,000 queued documents; the fake LLMs fail a seeded 20% of calls in every way an LLM fails and answer the rest
 * with a value computed from the document. Passes (new, then retries with no backoff) repeat until only parked
 * documents are left; then every document is once in its target index with the right value, or parked in the queue
 * with its error. A few poison documents (always answered with prose) and malformed ones must end parked.
 */
class FaultSoakTest {

    private static final int DOCUMENTS = 2000;
    private static final long SEED = 20_261_125L;
    private static final double FAULT_RATE = 0.20;
    private static final int MAX_ATTEMPTS = 5;

    /** The ways a call fails, with relative weights (a 1 s Retry-After stalls every caller, so it is rarer). */
    private enum Fault {
        DISCONNECT(6, request -> Reply.disconnect()),
        TIMEOUT(6, request -> Reply.delayed(Duration.ofMillis(3500), NumberedDocuments.correctAnswer(request))),
        SERVER_ERROR(6, request -> Reply.serverError()),
        RATE_LIMITED(6, request -> Reply.rateLimited()),
        RATE_LIMITED_RETRY_AFTER(1, request -> Reply.rateLimited(Duration.ofSeconds(1))),
        NOT_JSON(6, request -> Reply.text("The value is probably large.")),
        MALFORMED_BODY(6, request -> Reply.malformed("{\"oops")),
        SCHEMA_MISMATCH(6, request -> Reply.text("{\"value\": \"many\"}")),
        THINKING(6, request -> Reply.text("<think>{\"value\": -1}</think>"
                + "{\"value\": " + NumberedDocuments.valueFor(NumberedDocuments.numberOf(request)) + "}")),
        TRUNCATED(6, request -> Reply.truncated("{\"value\": ")),
        REFUSAL(6, request -> Reply.refusal("I will not count.")),
        UNKNOWN_MODEL(6, request -> Reply.modelNotFound()),
        PROTECTED_FIELD(6, request -> Reply.text("{\"value\": 1, \"_index\": \"elsewhere\"}"));

        private final int weight;
        private final Function<FakeLlmServer.Request, Reply> reply;

        Fault(int weight, Function<FakeLlmServer.Request, Reply> reply) {
            this.weight = weight;
            this.reply = reply;
        }

        static Fault pick(SplittableRandom random) {
            int total = 0;
            for (Fault fault : values()) {
                total += fault.weight;
            }
            int draw = random.nextInt(total);
            for (Fault fault : values()) {
                draw -= fault.weight;
                if (draw < 0) {
                    return fault;
                }
            }
            throw new IllegalStateException();
        }
    }

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final Map<String, AtomicInteger> callsPerDocument = new ConcurrentHashMap<>();
    private final Map<Fault, LongAdder> faults = new ConcurrentHashMap<>();

    /** The same document's k-th call always gets the same reply, whatever order concurrent calls arrive in. */
    private Reply reply(FakeLlmServer.Request request) {
        String document = NumberedDocuments.documentOf(request);
        int call = callsPerDocument.computeIfAbsent(document, d -> new AtomicInteger()).incrementAndGet();
        if (isPoison(NumberedDocuments.numberOf(request))) {
            return Reply.text("Numbers make me sad.");
        }
        SplittableRandom random = new SplittableRandom(SEED ^ (document.hashCode() * 0x9E3779B97F4A7C15L) ^ call);
        if (random.nextDouble() >= FAULT_RATE) {
            return NumberedDocuments.correctAnswer(request);
        }
        Fault fault = Fault.pick(random);
        faults.computeIfAbsent(fault, f -> new LongAdder()).increment();
        return fault.reply.apply(request);
    }

    private static boolean isPoison(int n) {
        return n % 100 == 42;
    }

    @Test
    void everyDocumentEndsStoredOnceWithItsValueOrParkedWithItsError() {
        int passes = 0;
        NumberedDocuments documents;
        Map<String, Map<String, Object>> queued;
        String queueIndex;
        try (StderrCapture stderr = StderrCapture.start();
             FakeOllamaServer ollama = new FakeOllamaServer();
             FakeOpenAiServer openAi = new FakeOpenAiServer()) {
            WatcherFixture fixture = Secrets.configure(new WatcherFixture(es, ollama, openAi))
                    .with("LLM_WATCHER_BATCH_SIZE", "200").with("LLM_WATCHER_CONCURRENCY", "64")
                    .with("LLM_WATCHER_LLM_TIMEOUT", "3").with("LLM_WATCHER_RETRY_BACKOFF", "0")
                    .with("LLM_WATCHER_MAX_ATTEMPTS", String.valueOf(MAX_ATTEMPTS));
            queueIndex = fixture.queueIndex();
            for (FakeLlmServer server : List.of(ollama, openAi)) {
                server.latency(Duration.ofMillis(5)).recordRequests(false).respondWith(this::reply);
            }
            documents = new NumberedDocuments(es, queueIndex, TestElasticsearch.uniqueIndex("soak"), DOCUMENTS);
            try (Watcher watcher = fixture.watcher()) {
                pass(watcher, Selection.NEW);
                documents.queue(n -> n % 2 == 0 ? "ollama" : "openai");
                queueMalformed(queueIndex);
                int idle = 0;
                while (idle < 2 && passes < 40) {
                    RunReport report = pass(watcher, passes % 2 == 0 ? Selection.NEW : Selection.RETRY);
                    passes++;
                    idle = report.found() == 0 ? idle + 1 : 0;
                }
            }
            queued = documents.queued();
            System.out.printf("Fault soak: %d LLM calls (Ollama %d, OpenAI %d), faults injected %s%n",
                    ollama.calls() + openAi.calls(), ollama.calls(), openAi.calls(), new TreeMap<>(faults));
            assertThat(stderr.text()).doesNotContain(Secrets.ALL);
        }

        Map<String, Map<String, Object>> stored = documents.stored();
        long parked = queued.values().stream().filter(FaultSoakTest::isParkedWithError).count();
        System.out.printf("Fault soak: %d documents + 5 malformed, %d passes: %d stored, %d parked, %d lost%n",
                DOCUMENTS, passes, stored.size(), parked, DOCUMENTS + 5 - stored.size() - queued.size());

        assertThat(queued.values()).allSatisfy(source ->
                assertThat(isParkedWithError(source)).as("only parked documents are left: " + source).isTrue());
        assertThat(documents.notStoredCorrectly().keySet())
                .containsExactlyInAnyOrderElementsOf(queued.keySet().stream().filter(id -> id.startsWith("doc-"))
                        .toList());
        assertThat(stored.keySet()).doesNotContainAnyElementsOf(queued.keySet());
        assertThat(stored.size() + queued.size()).isEqualTo(DOCUMENTS + 5);
        for (int n = 42; n < DOCUMENTS; n += 100) {
            assertThat(meta(queued.get(NumberedDocuments.id(n)))).containsEntry("attempts", MAX_ATTEMPTS)
                    .extractingByKey("error").asString().contains("not valid JSON");
            assertThat(callsPerDocument.get(NumberedDocuments.id(n))).hasValue(MAX_ATTEMPTS);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(meta(queued.get("malformed-" + i))).extractingByKey("error").asString().contains("no prompt");
        }
        assertThat(queued.values()).allSatisfy(source ->
                assertThat(meta(source).get("error").toString()).doesNotContain(Secrets.ALL));
        assertThat(faults.keySet()).containsExactlyInAnyOrder(Fault.values());
    }

    private static RunReport pass(Watcher watcher, Selection selection) {
        RunReport report = watcher.runPass(selection, Instant.now().plusSeconds(120), Integer.MAX_VALUE,
                StopSignal.never());
        System.out.printf("Fault soak pass (%s): found %d, processed %d, failed %d, parked %d in %d ms%s%n",
                selection, report.found(), report.processed(), report.failed(), report.parked(),
                report.duration().toMillis(), report.stoppedBy().map(r -> ", stopped: " + r).orElse(""));
        return report;
    }

    private void queueMalformed(String queueIndex) {
        for (int i = 0; i < 5; i++) {
            Map<String, Object> meta = TestElasticsearch.pipelineMeta("soak-nowhere", "x");
            meta.remove("prompt");
            es.indexQueueDocument(queueIndex, "malformed-" + i, Map.of("n", i), meta);
        }
    }

    private static boolean isParkedWithError(Map<String, Object> source) {
        Map<String, Object> meta = meta(source);
        return Boolean.TRUE.equals(meta.get("parked")) && meta.get("error") != null
                && !meta.get("error").toString().isBlank();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> meta(Map<String, Object> source) {
        return (Map<String, Object>) source.get("_llm_watcher");
    }
}
