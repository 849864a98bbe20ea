package dev.llmwatcher.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.batch.BatchLimits;
import dev.llmwatcher.batch.BatchProvider;
import dev.llmwatcher.config.BatchSettings;
import dev.llmwatcher.config.WatcherConfig;
import dev.llmwatcher.elasticsearch.ElasticsearchQueueStore;
import dev.llmwatcher.engine.batch.BatchContext;
import dev.llmwatcher.engine.batch.BatchDrain;
import dev.llmwatcher.engine.BatchReport;
import dev.llmwatcher.engine.CachedAnswers;
import dev.llmwatcher.engine.EngineSettings;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.RunRequest;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.json.Json;
import dev.llmwatcher.llm.http.JsonHttp;
import dev.llmwatcher.llm.openai.OpenAiClient;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.llm.openai.OpenAiBatchClient;
import dev.llmwatcher.queue.BatchQueue;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.FailureRecord;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueueScan;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.queue.WriteOutcome;
import dev.llmwatcher.testing.BatchApiServers;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiBatchServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The batch drain mode against the real Elasticsearch and a server speaking OpenAI's Files and Batches API: one pass
 * submits, later passes collect, and every way a batch can end, or a run can die, leaves each document answered once
 * and stored with its own answer, or back in the queue.
 */
class BatchDrainTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final BatchApiServers servers = new BatchApiServers();
    private final FakeOllamaServer ollama = servers.ollama();
    private final FakeOpenAiServer model = servers.model();
    private final FakeOpenAiBatchServer batches = servers.batches();
    private final WatcherFixture fixture = servers.fixture(es)
            .with("LLM_WATCHER_BATCH_MODE", "always")
            .with("LLM_WATCHER_BATCH_SIZE", "100");

    private NumberedDocuments queue(int count) {
        NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                TestElasticsearch.uniqueIndex("batch-target"), count);
        documents.queue(n -> "openai");
        model.countBy(NumberedDocuments::documentOf).respondWith(NumberedDocuments::correctAnswer);
        return documents;
    }

    private static RunReport pass(Watcher watcher) {
        return watcher.runPass(Selection.NEW, Instant.now().plusSeconds(120), Integer.MAX_VALUE, StopSignal.never());
    }

    /** Passes until the queue is empty (at most {@code max}); their reports. */
    private List<RunReport> drain(Watcher watcher, int max) {
        List<RunReport> reports = new ArrayList<>();
        for (int i = 0; i < max && es.count(fixture.queueIndex()) > 0; i++) {
            reports.add(pass(watcher));
            es.refresh(fixture.queueIndex());
        }
        return reports;
    }

    /**
     * The batch drain of {@code watcher}'s configuration over other parts than its own: a queue that dies, an
     * unreachable provider, another clock, other limits.
     */
    private static BatchDrain drainOver(Watcher watcher, QueueStore store, BatchQueue batchQueue,
                                        BatchProvider provider, BatchSettings batch, Clock clock, String name) {
        return new BatchDrain(new BatchContext(store, batchQueue, provider, watcher.processor(), batch,
                EngineSettings.from(watcher.config()), CachedAnswers.off(), clock, name));
    }

    /** Every document stored with its own answer, each paid for once, through {@code batchesCreated} batches. */
    private void assertEachStoredOnce(NumberedDocuments documents, int count, int batchesCreated) {
        assertThat(batches.batchesCreated()).isEqualTo(batchesCreated);
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(model.callsPerMarker()).hasSize(count).allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
    }

    @Test
    void twoThousandDocumentsAreSubmittedInOnePassAndCollectedByLaterOnesEachWithItsOwnAnswer() {
        NumberedDocuments documents = queue(2000);
        fixture.with("LLM_WATCHER_BATCH_MAX_REQUESTS", "1500");
        try (Watcher watcher = fixture.watcher()) {
            RunReport submitting = pass(watcher);

            assertThat(submitting.batch().submitted()).isEqualTo(2000);
            assertThat(submitting.batch().batches()).as("the request limit splits the submission").isEqualTo(2);
            assertThat(submitting.processed()).isZero();
            assertThat(model.calls()).as("nothing is called directly").isZero();
            assertThat(batches.uploads()).extracting(List::size).containsExactly(1500, 500);
            assertThat(es.count(fixture.queueIndex())).isEqualTo(2000);

            RunReport looking = pass(watcher);
            assertThat(looking.batch().open()).hasSize(2).allSatisfy(open -> {
                assertThat(open.status()).isEqualTo("in_progress");
                assertThat(open.id()).startsWith("batch_");
            });
            assertThat(looking.batch().collected()).isZero();

            List<RunReport> collecting = drain(watcher, 4);

            assertThat(documents.notStoredCorrectly()).isEmpty();
            assertThat(es.count(fixture.queueIndex())).isZero();
            assertThat(model.callsPerMarker()).hasSize(2000).allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
            assertThat(batches.batchesCreated()).isEqualTo(2);
            assertThat(collecting.stream().mapToInt(r -> r.batch().collected()).sum()).isEqualTo(2000);
            assertThat(collecting.stream().map(r -> r.batch().tokens()).reduce(TokenUsage.NONE, TokenUsage::plus))
                    .isEqualTo(new TokenUsage(2000 * 10, 2000 * 5));
            assertThat(collecting.stream().mapToInt(RunReport::processed).sum()).as("no direct call").isZero();
        }
    }

    @Test
    void aCollectedAnswerIsCachedAndACachedAnswerIsNeverSentInABatch() {
        NumberedDocuments documents = queue(30);
        try (Watcher watcher = fixture.watcher()) {
            pass(watcher);
            drain(watcher, 4);
            assertThat(documents.notStoredCorrectly()).isEmpty();
            assertThat(model.calls()).isEqualTo(30);
            assertThat(es.count(fixture.settings().get("LLM_WATCHER_ANSWER_CACHE_INDEX")))
                    .as("every collected answer is kept in the answer cache").isEqualTo(30);

            documents.queue(n -> "openai");
            es.refresh(fixture.queueIndex());
            RunReport again = pass(watcher);

            assertThat(again.batch().submitted()).as("nothing is sent again").isZero();
            assertThat(batches.uploads()).hasSize(1);
            assertThat(again.batch().collected()).isEqualTo(30);
            assertThat(again.savings().cacheHits()).isEqualTo(30);
            assertThat(model.calls()).isEqualTo(30);
            assertThat(es.count(fixture.queueIndex())).isZero();
            assertThat(documents.notStoredCorrectly()).isEmpty();
        }
    }

    @Test
    void eachLineCarriesTheDirectCallsBodyWithItsStructuredOutputAndNamesItsDocumentAndSubmission() throws Exception {
        queue(3);
        try (Watcher watcher = fixture.watcher()) {
            pass(watcher);
        }
        List<String> lines = batches.uploads().getFirst();
        JsonNode first = Json.mapper().readTree(lines.getFirst());

        assertThat(lines).hasSize(3);
        assertThat(first.path("method").asText()).isEqualTo("POST");
        assertThat(first.path("url").asText()).isEqualTo("/v1/chat/completions");
        assertThat(first.path("custom_id").asText()).matches("s-[0-9a-f]{16}:doc-[0-2]");
        assertThat(first.path("body").path("response_format").path("json_schema").path("schema").path("required"))
                .isNotEmpty();
        assertThat(first.path("body").path("messages").path(0).path("content").asText())
                .startsWith("Document doc-");
        Map<String, Map<String, Object>> queued = NumberedDocuments.all(es, fixture.queueIndex());
        assertThat(queued.values()).allSatisfy(source -> assertThat(meta(source).get("batch")).isInstanceOfSatisfying(
                Map.class, batch -> {
                    assertThat(batch.get("id")).isNotNull();
                    assertThat(first.path("custom_id").asText()).startsWith((String) batch.get("submission"));
                }));
    }

    @Test
    void identicalQuestionsOfASubmissionAreSentOnceAndEveryDocumentThatAskedGetsTheAnswer() {
        RepeatedMessages messages = new RepeatedMessages(es, fixture.queueIndex(),
                TestElasticsearch.uniqueIndex("batch-repeated"), 100);
        messages.queue("r", 1000, "openai");
        model.respondWith(RepeatedMessages::correctAnswer);
        RunReport submitting;
        List<RunReport> collecting;
        try (Watcher watcher = fixture.watcher()) {
            submitting = pass(watcher);
            es.refresh(fixture.queueIndex());
            collecting = drain(watcher, 4);
        }

        assertThat(submitting.batch().submitted()).as("every document is in the submission").isEqualTo(1000);
        assertThat(batches.uploads()).singleElement().satisfies(lines -> assertThat(lines).hasSize(100));
        assertThat(model.calls()).isEqualTo(100);
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(messages.notStoredCorrectly("r", 1000)).isEmpty();
        assertThat(collecting.stream().mapToInt(r -> r.batch().collected()).sum()).isEqualTo(1000);
        assertThat(collecting.stream().map(r -> r.batch().tokens()).reduce(TokenUsage.NONE, TokenUsage::plus))
                .as("billed once per line").isEqualTo(new TokenUsage(100 * 10, 100 * 5));
        assertThat(es.count(fixture.settings().get("LLM_WATCHER_ANSWER_CACHE_INDEX")))
                .as("each answer cached once").isEqualTo(100);
    }

    @Test
    void anExpiredBatchsAnsweredLinesAreStoredAndTheRestGoBackToTheQueueForTheNextBatch() {
        NumberedDocuments documents = queue(10);
        batches.statuses("validating", "in_progress", "expired").runsOnly(line -> line % 2 == 0);
        try (Watcher watcher = fixture.watcher()) {
            pass(watcher);
            pass(watcher);
            batches.statuses("validating", "completed");
            RunReport collecting = pass(watcher);

            assertThat(collecting.batch().collected()).isEqualTo(5);
            assertThat(collecting.batch().returned()).isEqualTo(5);
            assertThat(collecting.batch().refusals().expired()).as("counted").isEqualTo(1);
            assertThat(collecting.batch().refusals().refused()).isZero();
            assertThat(collecting.batch().failed()).isZero();
            assertThat(collecting.batch().submitted()).as("the returned documents, in a new batch").isEqualTo(5);
            assertThat(documents.stored()).hasSize(5);
            assertThat(documents.queued()).hasSize(5).allSatisfy((id, source) ->
                    assertThat(meta(source)).doesNotContainKeys("error", "attempts"));

            drain(watcher, 3);
        }
        assertEachStoredOnce(documents, 10, 2);
    }

    @Test
    void aFailedBatchReturnsEveryDocumentToTheQueueWithoutAnAttempt() {
        NumberedDocuments documents = queue(10);
        batches.statuses("validating", "failed");
        try (Watcher watcher = fixture.watcher()) {
            pass(watcher);
            try (Watcher collectingOnly = fixture.with("LLM_WATCHER_BATCH_MODE", "auto")
                    .with("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "1000000").watcher()) {
                RunReport collecting = collectingOnly.runPass(Selection.NEW, Instant.now().plusSeconds(120), 1,
                        StopSignal.never());

                assertThat(collecting.batch().returned()).isEqualTo(10);
            }
        }
        assertThat(documents.queued()).hasSize(9).allSatisfy((id, source) -> {
            assertThat(meta(source).get("claim")).isNull();
            assertThat(meta(source).get("batch")).isNull();
            assertThat(meta(source)).doesNotContainKeys("attempts", "error");
        });
        assertThat(model.calls()).as("the failed batch ran nothing; one document was then called directly")
                .isEqualTo(1);
    }

    @Test
    void errorLinesBadAnswersAndMissingDocumentsFailLikeAFailedCall() {
        NumberedDocuments documents = queue(9);
        model.respondWith(request -> switch (NumberedDocuments.numberOf(request) % 3) {
            case 0 -> Reply.error(400, "this prompt is not allowed");
            case 1 -> Reply.text("{\"value\": \"not a number\"}");
            default -> NumberedDocuments.correctAnswer(request);
        });
        batches.statuses("validating", "completed").omits(line -> line == 8);
        try (Watcher watcher = fixture.watcher()) {
            pass(watcher);
            RunReport collecting = pass(watcher);

            assertThat(collecting.batch().collected()).isEqualTo(2);
            assertThat(collecting.batch().failed()).isEqualTo(7);
        }
        Map<String, Map<String, Object>> queued = documents.queued();
        assertThat(queued).hasSize(7).allSatisfy((id, source) -> {
            assertThat(meta(source).get("attempts")).isEqualTo(1);
            assertThat(meta(source).get("batch")).isNull();
        });
        String missing = NumberedDocuments.id(8);
        assertThat(meta(queued.get(missing)).get("error").toString()).contains("missing from the output and error");
        assertThat(meta(queued.get(NumberedDocuments.id(0))).get("error").toString())
                .contains("400", "this prompt is not allowed");
        assertThat(meta(queued.get(NumberedDocuments.id(1))).get("error").toString()).contains("value");
    }

    @Test
    void aRunKilledBetweenCreatingTheBatchAndMarkingItsDocumentsIsRecoveredAndPaidOnce() {
        NumberedDocuments documents = queue(50);
        WatcherConfig config = fixture.config();
        try (Watcher watcher = fixture.watcher(); JsonHttp http = JsonHttp.create(Duration.ofSeconds(5))) {
            ElasticsearchQueueStore store = es.queueStore();
            BatchQueue killedBeforeMarking = new KilledBefore(store, "recordBatchId");
            BatchDrain dying = drainOver(watcher, store, killedBeforeMarking, provider(http), config.batch(),
                    Clock.systemUTC(), "dying");

            assertThatThrownBy(() -> dying.run(request())).hasMessageContaining("killed");
            assertThat(batches.batchesCreated()).isEqualTo(1);

            drain(watcher, 5);
        }
        assertThat(batches.batchesCreated()).as("recovered, not submitted again").isEqualTo(1);
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(model.callsPerMarker()).hasSize(50).allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
    }

    @Test
    void aSubmissionThatNeverReachedTheProviderIsGivenBackAfterTheGraceAndSubmittedOnce() {
        NumberedDocuments documents = queue(30);
        WatcherConfig config = fixture.config();
        try (Watcher watcher = fixture.watcher(); JsonHttp http = JsonHttp.create(Duration.ofSeconds(2))) {
            ElasticsearchQueueStore store = es.queueStore();
            OpenAiBatchClient unreachable = new OpenAiBatchClient(http,
                    new OpenAiClient(http, URI.create("http://127.0.0.1:9/v1"), "sk-test"),
                    BatchLimits.OPENAI, Duration.ofSeconds(2));
            BatchReport cutOff = drainOver(watcher, store, store, unreachable, config.batch(), Clock.systemUTC(),
                    "cut-off").run(request());

            assertThat(cutOff.submitted()).isZero();
            assertThat(documents.queued()).allSatisfy((id, source) -> assertThat(meta(source).get("batch"))
                    .isInstanceOfSatisfying(Map.class, batch -> assertThat(batch.get("id")).isNull()));

            Clock beforeGrace = Clock.offset(Clock.systemUTC(), config.batch().recoveryGrace().minusMinutes(1));
            BatchReport early = drainOver(watcher, store, store, provider(http), config.batch(), beforeGrace,
                    "early").run(request(beforeGrace));
            assertThat(early.returned() + early.submitted()).as("still within the grace: left alone").isZero();

            Clock afterGrace = Clock.offset(Clock.systemUTC(), config.batch().recoveryGrace().plusMinutes(1));
            BatchReport later = drainOver(watcher, store, store, provider(http), config.batch(), afterGrace,
                    "later").run(request(afterGrace));
            assertThat(later.submitted()).as("given back, then submitted by the same pass").isEqualTo(30);

            drain(watcher, 5);
        }
        assertEachStoredOnce(documents, 30, 1);
    }

    @Test
    void aRunKilledWhileCollectingLeavesTheRestToTheNextPassWhichStoresThemWithoutPayingAgain() {
        NumberedDocuments documents = queue(300);
        batches.statuses("validating", "completed");
        WatcherConfig config = fixture.config();
        try (Watcher watcher = fixture.watcher(); JsonHttp http = JsonHttp.create(Duration.ofSeconds(5))) {
            pass(watcher);
            ElasticsearchQueueStore store = es.queueStore();
            QueueStore diesOnSecondBulk = new DiesOnSecondStore(store);
            BatchDrain dying = drainOver(watcher, diesOnSecondBulk, store, provider(http), config.batch(),
                    Clock.systemUTC(), "dying");

            assertThatThrownBy(() -> dying.run(request())).hasMessageContaining("killed");
            es.refresh(fixture.queueIndex());
            assertThat(es.count(fixture.queueIndex())).isBetween(1L, 299L);

            drain(watcher, 3);
        }
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(batches.batchesCreated()).isEqualTo(1);
        assertThat(model.callsPerMarker()).hasSize(300).allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
    }

    @Test
    void ollamaDocumentsAreCalledDirectlyAndOpenAiDocumentsBeyondThePassesBatchesWaitForTheNextOne() {
        NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                TestElasticsearch.uniqueIndex("batch-target"), 40);
        documents.queue(n -> n % 4 == 0 ? "ollama" : "openai");
        model.countBy(NumberedDocuments::documentOf).respondWith(NumberedDocuments::correctAnswer);
        ollama.respondWith(NumberedDocuments::correctAnswer);
        try (Watcher watcher = fixture.watcher()) {
            RunReport first = watcher.runPass(Selection.NEW, Instant.now().plusSeconds(120), 20, StopSignal.never());

            assertThat(first.batch().submitted()).isEqualTo(20);
            assertThat(first.processed()).as("the Ollama documents").isEqualTo(10);
            assertThat(model.calls()).as("no OpenAI document called at the full price").isZero();

            drain(watcher, 6);
        }
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(batches.batchesCreated()).isEqualTo(2);
        assertThat(ollama.calls()).isEqualTo(10);
        assertThat(model.callsPerMarker()).hasSize(30).allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
    }

    @Test
    void theByteLimitSplitsASubmissionIntoFilesThatEachFitIt() {
        NumberedDocuments documents = queue(20);
        WatcherConfig config = fixture.config();
        long maxBytes = 2_000;
        try (Watcher watcher = fixture.watcher(); JsonHttp http = JsonHttp.create(Duration.ofSeconds(5))) {
            ElasticsearchQueueStore store = es.queueStore();
            BatchDrain small = drainOver(watcher, store, store, provider(http), config.batch().withLimits(50_000,
                    maxBytes), Clock.systemUTC(), "small-files");

            BatchReport report = small.run(request());

            assertThat(report.submitted()).isEqualTo(20);
            drain(watcher, 5);
        }
        List<List<String>> uploads = batches.uploads();
        assertThat(uploads).hasSizeGreaterThan(2);
        assertThat(uploads).allSatisfy(lines -> assertThat(lines.stream()
                .mapToLong(line -> line.getBytes(StandardCharsets.UTF_8).length + 1).sum())
                .isLessThanOrEqualTo(maxBytes));
        assertThat(uploads.stream().mapToInt(List::size).sum()).isEqualTo(20);
        assertThat(documents.notStoredCorrectly()).isEmpty();
    }

    @Test
    void inBatchModeAnOpenAiDocumentThatCannotBeSentFailsAndASetAsideResultIsStoredWithoutACall() {
        NumberedDocuments documents = queue(4);
        String target = (String) meta(documents.queued().get(NumberedDocuments.id(0))).get("_original_index");
        Map<String, Object> broken = TestElasticsearch.pipelineMeta(target, "{{ctx.missing_field}}");
        broken.put("provider", "openai");
        es.indexQueueDocument(fixture.queueIndex(), "broken", Map.of("doc", "broken"), broken);
        Map<String, Object> setAside = TestElasticsearch.pipelineMeta(target, NumberedDocuments.PROMPT);
        setAside.put("provider", "openai");
        setAside.put("pending_result", Map.of("value", 99));
        es.indexQueueDocument(fixture.queueIndex(), "set-aside", Map.of("doc", "set-aside", "n", 5), setAside);
        try (Watcher watcher = fixture.watcher()) {
            RunReport first = pass(watcher);

            assertThat(first.batch().submitted()).isEqualTo(4);
            assertThat(first.batch().collected()).as("the set-aside result").isEqualTo(1);
            assertThat(first.batch().failed()).as("the document whose prompt cannot be rendered").isEqualTo(1);
        }
        assertThat(es.source(target, "set-aside").orElseThrow()).containsEntry("value", 99);
        assertThat(meta(documents.queued().get("broken"))).containsEntry("attempts", 1)
                .hasEntrySatisfying("error", error -> assertThat(error.toString()).contains("missing_field"));
        assertThat(batches.uploads().getFirst()).hasSize(4);
    }

    @Test
    void aBatchTheProviderNoLongerKnowsGivesItsDocumentsBack() {
        NumberedDocuments documents = queue(5);
        try (Watcher watcher = fixture.watcher()) {
            pass(watcher);
            batches.forget((String) ((Map<?, ?>) meta(documents.queued().get(NumberedDocuments.id(0))).get("batch"))
                    .get("id"));
            try (Watcher collectingOnly = fixture.with("LLM_WATCHER_BATCH_MODE", "auto")
                    .with("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "1000000").watcher()) {
                RunReport collecting = collectingOnly.runPass(Selection.NEW, Instant.now().plusSeconds(120), 1,
                        StopSignal.never());

                assertThat(collecting.batch().returned()).isEqualTo(5);
            }
        }
        assertThat(documents.queued()).hasSize(4).allSatisfy((id, source) ->
                assertThat(meta(source).get("batch")).isNull());
    }

    @Test
    void collectingStopsAtThePassesDeadlineAndTheNextPassStoresTheRest() {
        NumberedDocuments documents = queue(20);
        batches.statuses("validating", "completed");
        WatcherConfig config = fixture.config();
        try (Watcher watcher = fixture.watcher(); JsonHttp http = JsonHttp.create(Duration.ofSeconds(5))) {
            pass(watcher);
            ElasticsearchQueueStore store = es.queueStore();
            BatchDrain late = drainOver(watcher, store, store, provider(http), config.batch(), Clock.systemUTC(),
                    "late");
            Instant deadline = Instant.now().plus(EngineSettings.from(config).writeReserve());

            BatchReport report = late.run(new RunRequest(fixture.queueIndex(), Selection.NEW, deadline,
                    Integer.MAX_VALUE, StopSignal.never()));

            assertThat(report.collected() + report.failed() + report.returned()).isZero();
            assertThat(documents.queued()).hasSize(20);
            drain(watcher, 2);
        }
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(model.callsPerMarker()).hasSize(20).allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
    }

    @Test
    void inAutoModeABacklogBelowTheThresholdIsCalledDirectly() {
        NumberedDocuments documents = queue(20);
        fixture.with("LLM_WATCHER_BATCH_MODE", "auto").with("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "21");
        try (Watcher watcher = fixture.watcher()) {
            RunReport report = pass(watcher);

            assertThat(report.batch().submitted()).isZero();
            assertThat(report.processed()).isEqualTo(20);
        }
        assertThat(batches.uploads()).isEmpty();
        assertThat(documents.notStoredCorrectly()).isEmpty();
    }

    @Test
    void inAutoModeABacklogAtTheThresholdGoesToABatch() {
        queue(20);
        fixture.with("LLM_WATCHER_BATCH_MODE", "auto").with("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "20");
        try (Watcher watcher = fixture.watcher()) {
            RunReport report = pass(watcher);

            assertThat(report.batch().submitted()).isEqualTo(20);
            assertThat(report.processed()).isZero();
        }
        assertThat(model.calls()).isZero();
    }

    private OpenAiBatchClient provider(JsonHttp http) {
        return new OpenAiBatchClient(http, new OpenAiClient(http, batches.baseUrl(), "sk-test"), BatchLimits.OPENAI,
                Duration.ofSeconds(30));
    }

    /** One run of the command line over {@code environment}: its exit status and output. */
    private RunRequest request() {
        return request(Clock.systemUTC());
    }

    /** A pass's request with two minutes on {@code clock}, the clock its engine reads. */
    private RunRequest request(Clock clock) {
        return new RunRequest(fixture.queueIndex(), Selection.NEW, clock.instant().plusSeconds(120),
                Integer.MAX_VALUE, StopSignal.never());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> meta(Map<String, Object> source) {
        return (Map<String, Object>) source.get("_llm_watcher");
    }

    /** The batch bookkeeping of a process that dies as it is about to call {@code method}. */
    private record KilledBefore(BatchQueue delegate, String method) implements BatchQueue {

        @Override
        public QueueScan scan(QueueQuery query, String provider) {
            return delegate.scan(query, provider);
        }

        @Override
        public long countEligible(QueueQuery query, String provider) {
            return delegate.countEligible(query, provider);
        }

        @Override
        public List<QueuedDocument> enterSubmission(String queueIndex, List<QueuedDocument> documents,
                                                    String submission, Instant submittedAt, Claim claim) {
            return delegate.enterSubmission(queueIndex, documents, submission, submittedAt, claim);
        }

        @Override
        public List<QueuedDocument> recordBatchId(String queueIndex, List<QueuedDocument> documents, String batchId) {
            throw new IllegalStateException("killed before " + method);
        }

        @Override
        public List<OpenSubmission> openSubmissions(String queueIndex) {
            return delegate.openSubmissions(queueIndex);
        }

        @Override
        public List<QueuedDocument> submissionDocuments(String queueIndex, String submission) {
            return delegate.submissionDocuments(queueIndex, submission);
        }
    }

    /** A queue whose process dies on its second bulk of results, after the first one was written. */
    private static final class DiesOnSecondStore implements QueueStore {

        private final QueueStore delegate;
        private final AtomicInteger stores = new AtomicInteger();

        DiesOnSecondStore(QueueStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<WriteOutcome> store(String queueIndex, List<CompletedDocument> completed) {
            if (stores.incrementAndGet() == 2) {
                throw new IllegalStateException("killed while collecting");
            }
            return delegate.store(queueIndex, completed);
        }

        @Override
        public QueueScan scan(QueueQuery query) {
            return delegate.scan(query);
        }

        @Override
        public long drainersWorking(String queueIndex, java.time.Instant now) {
            return delegate.drainersWorking(queueIndex, now);
        }

        @Override
        public List<QueuedDocument> claim(String queueIndex, List<QueuedDocument> documents, Claim claim) {
            return delegate.claim(queueIndex, documents, claim);
        }

        @Override
        public List<String> setAside(String queueIndex, List<CompletedDocument> completed) {
            return delegate.setAside(queueIndex, completed);
        }

        @Override
        public void recordFailures(String queueIndex, List<FailureRecord> failures) {
            delegate.recordFailures(queueIndex, failures);
        }

        @Override
        public void release(String queueIndex, List<QueuedDocument> documents) {
            delegate.release(queueIndex, documents);
        }

        @Override
        public long countEligible(QueueQuery query) {
            return delegate.countEligible(query);
        }
    }
}
