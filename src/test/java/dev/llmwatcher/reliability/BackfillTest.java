package dev.llmwatcher.reliability;

import dev.llmwatcher.app.BackfillDryRun;
import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.backfill.SourceSelection;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.backfill.BackfillInstructions;
import dev.llmwatcher.engine.backfill.EnqueueRequest;
import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.CliRunner;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

/**
 * {@code enqueue --from} on the real Elasticsearch (the test distribution: no painless, no reindex module, so the scan
 * path), drained by the ordinary watcher: documents already in an index are enriched in place under the same ids,
 * the application's edits and deletes made while they wait in the queue win, and enqueuing twice queues nothing twice.
 */
class BackfillTest {

    private static final int DOCUMENTS = 3000;
    private static final int EDITED = 100;
    private static final int DELETED = 50;
    /** What an edit adds to a document's number, so its answer tells which version it was computed from. */
    private static final int EDIT = 100_000;

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es)
            .with("LLM_WATCHER_BATCH_SIZE", "200").with("LLM_WATCHER_CONCURRENCY", "16");
    private final String reviews = TestElasticsearch.uniqueIndex("reviews");
    private final CliRunner cli = new CliRunner();

    /** {@code doc-n} for every n; two of three selected; none carries an answer yet. */
    private Map<String, Map<String, Object>> writeReviews() {
        return writeReviews(DOCUMENTS);
    }

    private Map<String, Map<String, Object>> writeReviews(int count) {
        Map<String, Map<String, Object>> all = new LinkedHashMap<>();
        for (int n = 0; n < count; n++) {
            all.put(NumberedDocuments.id(n), Map.of("doc", NumberedDocuments.id(n), "n", n, "selected", n % 3 != 0));
        }
        for (int from = 0; from < count; from += 500) {
            Map<String, Map<String, Object>> chunk = new LinkedHashMap<>();
            all.entrySet().stream().skip(from).limit(500).forEach(e -> chunk.put(e.getKey(), e.getValue()));
            es.bulkIndex(reviews, chunk);
        }
        return all;
    }

    private int enqueue() {
        return cli.run(fixture.settings(), "enqueue", "--from", reviews, "--query",
                "{\"term\": {\"selected\": true}}", "--prompt", NumberedDocuments.PROMPT, "--schema",
                "{\"type\": \"object\", \"properties\": {\"value\": {\"type\": \"integer\"}}, "
                        + "\"required\": [\"value\"]}",
                "--slices", "3", "--backfill-id", "bf-test");
    }

    @Test
    void selectedDocumentsAreEnrichedInPlaceAndTheApplicationsEditsAndDeletesWhileQueuedWin() throws Exception {
        Map<String, Map<String, Object>> original = writeReviews();
        fixture.ollama().countBy(NumberedDocuments::documentOf).respondWith(NumberedDocuments::correctAnswer);
        int selected = (int) original.values().stream().filter(s -> Boolean.TRUE.equals(s.get("selected"))).count();

        assertThat(enqueue()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("backfill bf-test: " + selected + " documents matched " + reviews)
                .contains(selected + " queued, 0 already queued, 0 failed");
        assertThat(enqueue()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("0 queued, " + selected + " already queued, 0 failed");
        assertThat(es.count(fixture.queueIndex())).isEqualTo(selected);
        assertThat(cli.run(fixture.settings(), "status")).as(cli.err()).isZero();
        assertThat(cli.out()).contains("bf-test from " + reviews + ": " + selected + " queued, 0 done, " + selected
                + " waiting, 0 failed");

        Map<String, Map<String, Object>> edits = new LinkedHashMap<>();
        List<Integer> editedNumbers = selectedNumbers(1, EDITED);
        editedNumbers.forEach(n -> edits.put(NumberedDocuments.id(n), Map.of("doc", NumberedDocuments.id(n),
                "n", n + EDIT, "selected", true, "edited", "by the application")));
        es.bulkIndex(reviews, edits);
        List<Integer> deletedNumbers = selectedNumbers(1000, DELETED);
        deletedNumbers.forEach(n -> es.delete("/" + reviews + "/_doc/" + NumberedDocuments.id(n))
                .requireSuccess("delete"));

        List<RunReport> reports = Drain.untilEmpty(fixture);

        Map<String, Map<String, Object>> now = NumberedDocuments.all(es, reviews);
        assertThat(es.count(fixture.queueIndex())).isZero();
        assertThat(now).hasSize(DOCUMENTS - DELETED);
        deletedNumbers.forEach(n -> assertThat(now).doesNotContainKey(NumberedDocuments.id(n)));
        assertThat(now.values()).allSatisfy(source -> assertThat(source).doesNotContainKey("_llm_watcher"));
        original.forEach((id, source) -> {
            int n = (int) source.get("n");
            if (deletedNumbers.contains(n)) {
                return;
            }
            Map<String, Object> stored = now.get(id);
            if (!Boolean.TRUE.equals(source.get("selected"))) {
                assertThat(stored).as(id).isEqualTo(source);
            } else if (editedNumbers.contains(n)) {
                assertThat(stored).as(id).containsEntry("edited", "by the application")
                        .containsEntry("n", n + EDIT).containsEntry("value", NumberedDocuments.valueFor(n + EDIT));
            } else {
                assertThat(stored).as(id).containsEntry("n", n).containsEntry("value",
                        NumberedDocuments.valueFor(n));
            }
        });
        assertThat(reports.stream().mapToInt(RunReport::processed).sum()).isEqualTo(selected - DELETED);
        editedNumbers.forEach(n -> assertThat(fixture.ollama().callsFor(NumberedDocuments.id(n))).isEqualTo(2));
    }

    @Test
    void theDryRunEstimatesTheTokensWithinAFifthOfWhatTheProviderThenReportsAndQueuesNothing() throws Exception {
        writeReviews(200);
        fixture.with("LLM_WATCHER_ANSWER_CACHE_INDEX", TestElasticsearch.uniqueIndex("cache"));
        fixture.ollama().respondWith(request -> {
            int n = NumberedDocuments.numberOf(request);
            return FakeLlmServer.Reply.success("{\"value\": " + NumberedDocuments.valueFor(n) + "}",
                    request.prompt().length() / 4 + 3, 6 + n % 3, "stop");
        });
        try (Watcher watcher = fixture.watcher()) {
            watcher.enqueue(request(Map.of("range", Map.of("n", Map.of("lt", 40)))));
        }
        Drain.untilEmpty(fixture);

        BackfillDryRun.Estimate estimate;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (Watcher watcher = fixture.watcher()) {
            estimate = watcher.estimate(request(Map.of()), 500, new PrintStream(printed, true,
                    StandardCharsets.UTF_8));
        }
        assertThat(es.count(fixture.queueIndex())).isZero();
        List<RunReport> reports;
        try (Watcher watcher = fixture.watcher()) {
            watcher.enqueue(request(Map.of()));
        }
        reports = Drain.untilEmpty(fixture);

        long reported = reports.stream().flatMap(r -> r.tokensByModel().values().stream())
                .mapToLong(u -> u.promptTokens() + u.completionTokens()).sum();
        assertThat(estimate.matched()).isEqualTo(200);
        assertThat(estimate.cached()).isEqualTo(40);
        assertThat(estimate.failing()).isZero();
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("200 documents match")
                .contains("PROMPT      id doc-").contains("Nothing was queued");
        assertThat(reported).isPositive();
        assertThat((double) estimate.estimatedTokens()).isCloseTo(reported, withinPercentage(20));
    }

    private EnqueueRequest request(Map<String, Object> query) {
        return new EnqueueRequest(new SourceSelection(reviews, query), fixture.queueIndex(),
                new BackfillInstructions(null, null, NumberedDocuments.PROMPT, Map.of("type", "object",
                        "properties", Map.of("value", Map.of("type", "integer")), "required", List.of("value")),
                        null, null), "bf-dry", 2, 50, null);
    }

    /** {@code count} selected document numbers from {@code from} on. */
    private static List<Integer> selectedNumbers(int from, int count) {
        return java.util.stream.IntStream.range(from, DOCUMENTS).filter(n -> n % 3 != 0).limit(count).boxed()
                .toList();
    }
}
