package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.AnswerSavings;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answer cache against the real Elasticsearch and the fake Ollama and OpenAI servers: a question is paid for
 * once, whether its repeats are in the same run, a later run or an overlapping one, and every document still gets
 * the answer its own question gets.
 */
class AnswerCacheTest {

    private static final int DOCUMENTS = 1000;
    private static final int MESSAGES = 100;

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es)
            .with("LLM_WATCHER_BATCH_SIZE", "50").with("LLM_WATCHER_CONCURRENCY", "16");
    private final String target = TestElasticsearch.uniqueIndex("repeated");
    private final RepeatedMessages documents = new RepeatedMessages(es, fixture.queueIndex(), target, MESSAGES);

    AnswerCacheTest() {
        for (FakeLlmServer server : List.of(fixture.ollama(), fixture.openAi())) {
            server.latency(Duration.ofMillis(20)).respondWith(RepeatedMessages::correctAnswer);
        }
    }

    private FakeLlmServer server(String provider) {
        return provider.equals("ollama") ? fixture.ollama() : fixture.openAi();
    }

    private String cacheIndex() {
        return fixture.settings().get("LLM_WATCHER_ANSWER_CACHE_INDEX");
    }

    private static AnswerSavings saved(List<RunReport> reports) {
        return reports.stream().map(RunReport::savings).reduce(AnswerSavings.NONE, AnswerSavings::plus);
    }

    private RunReport pass(Selection selection) {
        try (Watcher watcher = fixture.watcher()) {
            return watcher.runPass(selection, Instant.now().plusSeconds(60), Integer.MAX_VALUE, StopSignal.never());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ollama", "openai"})
    void aThousandDocumentsOverAHundredMessagesCostAHundredCallsAndTheNextThousandNone(String provider)
            throws Exception {
        documents.queue("first", DOCUMENTS, provider);

        List<RunReport> first = Drain.untilEmpty(fixture);

        assertThat(server(provider).calls()).isLessThanOrEqualTo(MESSAGES);
        assertThat(documents.notStoredCorrectly("first", DOCUMENTS)).isEmpty();
        assertThat(saved(first).callsSaved()).isEqualTo(DOCUMENTS - server(provider).calls());
        assertThat(saved(first).callsSaved()).isEqualTo(900);
        assertThat(es.count(cacheIndex())).isEqualTo(MESSAGES);

        documents.queue("second", DOCUMENTS, provider);
        List<RunReport> second = Drain.untilEmpty(fixture);

        assertThat(server(provider).calls()).isEqualTo(MESSAGES);
        assertThat(documents.notStoredCorrectly("second", DOCUMENTS)).isEmpty();
        assertThat(saved(second).cacheHits()).isEqualTo(DOCUMENTS);
        assertThat(saved(second).tokensSaved().completionTokens()).isEqualTo(5L * DOCUMENTS);
        assertThat(es.count(fixture.queueIndex())).isZero();
    }

    @Test
    void anotherSchemaModelOptionOrEndpointIsANewCall() throws Exception {
        documents.queue("plain", 1, "ollama");
        Drain.untilEmpty(fixture);
        Map<String, Object> schema = new LinkedHashMap<>(RepeatedMessages.SCHEMA);
        schema.put("additionalProperties", false);

        documents.queue("schema", 1, message -> with(documents.meta("ollama"), "format", schema));
        documents.queue("model", 1, message -> with(documents.meta("ollama"), "model", "llama3.2"));
        documents.queue("option", 1, message -> with(documents.meta("ollama"), "options", Map.of("temperature", 0)));
        documents.queue("same", 1, "ollama");
        Drain.untilEmpty(fixture);

        assertThat(fixture.ollama().calls()).isEqualTo(4);
        try (FakeOllamaServer other = new FakeOllamaServer()) {
            other.respondWith(RepeatedMessages::correctAnswer);
            fixture.with("OLLAMA_API_URL", other.baseUrl().toString());
            documents.queue("endpoint", 1, "ollama");
            Drain.untilEmpty(fixture);

            assertThat(other.calls()).isEqualTo(1);
        }
        assertThat(fixture.ollama().calls()).isEqualTo(4);
        assertThat(documents.notStoredCorrectly("same", 1)).isEmpty();
    }

    private static Map<String, Object> with(Map<String, Object> meta, String field, Object value) {
        meta.put(field, value);
        return meta;
    }

    @Test
    void anAnswerOlderThanTheMaximumAgeIsANewCall() throws Exception {
        documents.queue("fresh", 1, "ollama");
        Drain.untilEmpty(fixture);
        Map<String, Map<String, Object>> entries = NumberedDocuments.all(es, cacheIndex());
        assertThat(entries).hasSize(1);
        String key = entries.keySet().iterator().next();
        Map<String, Object> entry = new LinkedHashMap<>(entries.get(key));
        entry.put("answered_at", Instant.now().minus(Duration.ofDays(8)).toString());
        es.indexDocument(cacheIndex(), key, entry);

        documents.queue("aged", 1, "ollama");
        Drain.untilEmpty(fixture);

        assertThat(fixture.ollama().calls()).isEqualTo(2);
        assertThat(documents.notStoredCorrectly("aged", 1)).isEmpty();
        assertThat(Instant.parse((String) es.source(cacheIndex(), key).orElseThrow().get("answered_at")))
                .isAfter(Instant.now().minus(Duration.ofMinutes(1)));
    }

    @Test
    void withTheCacheOffEveryDocumentIsACall() throws Exception {
        fixture.with("LLM_WATCHER_ANSWER_CACHE", "false");
        documents.queue("off", 40, "openai");

        List<RunReport> reports = Drain.untilEmpty(fixture);

        assertThat(fixture.openAi().calls()).isEqualTo(40);
        assertThat(saved(reports).callsSaved()).isZero();
        assertThat(documents.notStoredCorrectly("off", 40)).isEmpty();
        assertThat(es.count(cacheIndex())).isZero();
    }

    @Test
    void aFailedSharedCallIsEverySharersErrorAndAttemptAndIsNotCached() {
        fixture.ollama().latency(Duration.ofMillis(300)).respond(Reply.error(400, "the model is confused"));
        RepeatedMessages oneMessage = new RepeatedMessages(es, fixture.queueIndex(), target, 1);
        oneMessage.queue("shared", 20, "ollama");

        RunReport failed = pass(Selection.NEW);

        assertThat(failed.failed()).isEqualTo(20);
        assertThat(fixture.ollama().calls()).isEqualTo(1);
        Map<String, Map<String, Object>> queued = NumberedDocuments.all(es, fixture.queueIndex());
        assertThat(queued).hasSize(20).allSatisfy((id, source) -> assertThat(watcherMeta(source))
                .containsEntry("attempts", 1).hasEntrySatisfying("error",
                        error -> assertThat((String) error).contains("the model is confused")));
        assertThat(es.count(cacheIndex())).isZero();

        fixture.ollama().latency(Duration.ZERO).respondWith(RepeatedMessages::correctAnswer);
        RunReport retried = pass(Selection.RETRY);

        assertThat(retried.processed()).isEqualTo(20);
        assertThat(retried.savings().sharedCalls()).isEqualTo(19);
        assertThat(fixture.ollama().calls()).isEqualTo(2);
        assertThat(oneMessage.notStoredCorrectly("shared", 20)).isEmpty();
        assertThat(es.count(cacheIndex())).isEqualTo(1);
    }

    @Test
    void lookUpsAreOneMultiGetPerPageAndAnswersTravelInTheResultsBulk() throws Exception {
        List<ElasticsearchProxy.Request> requests = new CopyOnWriteArrayList<>();
        try (ElasticsearchProxy proxy = new ElasticsearchProxy(es.url())) {
            proxy.answerEach(request -> requests.add(request) && false, request -> null);
            fixture.with("ELASTICSEARCH_URL", proxy.url().toString());
            documents.queue("paged", 200, "ollama");

            Drain.untilEmpty(fixture);
        }

        assertThat(documents.notStoredCorrectly("paged", 200)).isEmpty();
        assertThat(fixture.ollama().calls()).isEqualTo(MESSAGES);
        List<ElasticsearchProxy.Request> toCache = requests.stream()
                .filter(request -> request.path().startsWith("/" + cacheIndex())).toList();
        assertThat(toCache).extracting(ElasticsearchProxy.Request::method).as("exists, create, and the look-ups")
                .isSubsetOf("HEAD", "PUT", "POST", "GET");
        assertThat(toCache.stream().filter(request -> request.path().contains("/_mget")).count())
                .as("at most one per page of 50, none for questions already asked in the pass").isBetween(1L, 8L);
        List<String> bulksWithAnswers = requests.stream().filter(request -> request.path().startsWith("/_bulk"))
                .map(ElasticsearchProxy.Request::body).filter(body -> body.contains("\"" + cacheIndex() + "\""))
                .toList();
        assertThat(bulksWithAnswers).isNotEmpty().allSatisfy(body -> assertThat(body).contains("\"" + target + "\""));
        assertThat(es.count(cacheIndex())).isEqualTo(MESSAGES);
    }

    @Test
    void aCacheThatRefusesAnswersCostsNoDocument() throws Exception {
        assertThat(es.put("/" + cacheIndex(), "{\"settings\": {\"index.blocks.write\": true}}").isSuccess()).isTrue();
        documents.queue("blocked", 30, "openai");

        List<RunReport> reports = Drain.untilEmpty(fixture);

        assertThat(documents.notStoredCorrectly("blocked", 30)).isEmpty();
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(reports.stream().mapToInt(RunReport::failed).sum()).isZero();
        assertThat(es.count(cacheIndex())).isZero();
        assertThat(es.put("/" + cacheIndex() + "/_settings", "{\"index.blocks.write\": false}").isSuccess()).isTrue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> watcherMeta(Map<String, Object> source) {
        return (Map<String, Object>) source.get("_llm_watcher");
    }

    @Test
    void threeOverlappingWatchersPayAtMostOneExtraCallPerQuestionEachAndLoseNothing() throws Exception {
        documents.queue("overlap", DOCUMENTS, message -> documents.meta(message % 2 == 0 ? "ollama" : "openai"));
        fixture.ollama().countBy(FakeLlmServer.Request::prompt);
        fixture.openAi().countBy(FakeLlmServer.Request::prompt);
        int runs = 3;
        List<RunReport> reports = new ArrayList<>();

        CyclicBarrier together = new CyclicBarrier(runs);
        try (ExecutorService watchers = Executors.newFixedThreadPool(runs)) {
            List<Future<List<RunReport>>> futures = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                String name = "overlap-" + run;
                futures.add(watchers.submit(() -> Drain.untilEmpty(fixture, name, together)));
            }
            for (Future<List<RunReport>> future : futures) {
                reports.addAll(future.get());
            }
        }

        int calls = fixture.ollama().calls() + fixture.openAi().calls();
        assertThat(calls).isLessThanOrEqualTo(MESSAGES + 2 * MESSAGES);
        assertThat(fixture.ollama().callsPerMarker()).hasSize(MESSAGES / 2).allSatisfy((prompt, perPrompt) ->
                assertThat(perPrompt).as(prompt).isLessThanOrEqualTo(runs));
        assertThat(fixture.openAi().callsPerMarker()).hasSize(MESSAGES / 2).allSatisfy((prompt, perPrompt) ->
                assertThat(perPrompt).as(prompt).isLessThanOrEqualTo(runs));
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(documents.notStoredCorrectly("overlap", DOCUMENTS)).isEmpty();
        assertThat(reports.stream().mapToInt(RunReport::processed).sum()).isEqualTo(DOCUMENTS);
        assertThat(saved(reports).callsSaved()).isEqualTo(DOCUMENTS - calls);
        System.out.printf("Answer cache, 3 overlapping watchers: %d documents over %d messages, %d calls%n",
                DOCUMENTS, MESSAGES, calls);
    }
}
