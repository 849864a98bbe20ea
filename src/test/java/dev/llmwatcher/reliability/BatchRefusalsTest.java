package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.cli.Console;
import dev.llmwatcher.cli.Main;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.BatchApiServers;
import dev.llmwatcher.testing.FakeOpenAiBatchServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.MutableClock;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batches the provider refuses, against the real cluster and a server speaking OpenAI's Files and Batches API that
 * refuses them as OpenAI does: a refusal of the whole batch is recorded, shown and backed off from, and after three
 * in a row the documents carry the provider's reason; a line the provider names fails its own document only.
 */
class BatchRefusalsTest {

    private static final String MINI = "gpt-4o-mini";

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final BatchApiServers servers = new BatchApiServers();
    private final FakeOpenAiServer model = servers.model();
    private final FakeOpenAiBatchServer batches = servers.batches();
    private final WatcherFixture fixture = servers.fixture(es)
            .with("LLM_WATCHER_BATCH_MODE", "always")
            .with("LLM_WATCHER_BATCH_SIZE", "500");
    private final MutableClock clock = new MutableClock();

    private NumberedDocuments queue(int count) {
        NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                TestElasticsearch.uniqueIndex("batch-refused-target"), count);
        documents.queue(n -> "openai", n -> MINI);
        model.countBy(NumberedDocuments::documentOf).respondWith(NumberedDocuments::correctAnswer);
        return documents;
    }

    private RunReport pass(Watcher watcher) {
        RunReport report = watcher.runPass(Selection.NEW, clock.instant().plusSeconds(120), Integer.MAX_VALUE,
                StopSignal.never());
        es.refresh(fixture.queueIndex());
        return report;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> meta(Map<String, Object> source) {
        return (Map<String, Object>) source.get("_llm_watcher");
    }

    /**
     * The scenario: 600 documents in the always mode, a provider that refuses every batch for its
     * enqueued-token limit. Six passes, a few minutes apart, used to resubmit six times with every document shown as
     * claimed; now each refusal is said, backed off from, and the third in a row gives the documents the provider's
     * reason as their error.
     */
    @Test
    void aProviderRefusingEveryBatchIsBackedOffFromAndAfterThreeRefusalsTheDocumentsCarryItsReason() {
        NumberedDocuments documents = queue(600);
        batches.refusesOverTheEnqueuedTokenLimit(MINI);
        List<RunReport> reports = new ArrayList<>();
        String log;
        try (StderrCapture stderr = StderrCapture.start();
             Watcher watcher = Watcher.create(fixture.config(), clock, "refused")) {
            for (int i = 0; i < 6; i++) {
                reports.add(pass(watcher));
                clock.advance(Duration.ofMinutes(6 * (i + 1)));
            }
            log = stderr.text();
        }

        assertThat(batches.batchesCreated()).as("submitted again only once each delay was over").isEqualTo(3);
        assertThat(reports).extracting(report -> report.batch().refusals().refused())
                .containsExactly(0, 1, 0, 1, 0, 1);
        assertThat(reports.get(1).batch().refusals().reason()).startsWith("token_limit_exceeded: Enqueued token "
                + "limit reached for gpt-4o-mini");
        assertThat(reports.get(1).batch().refusals().backingOff()).isTrue();
        assertThat(reports.get(5).failed()).as("the third refusal fails the documents with its reason").isZero();
        assertThat(reports.get(5).batch().failed()).isEqualTo(600);
        assertThat(documents.queued()).hasSize(600).allSatisfy((id, source) -> {
            assertThat(meta(source).get("error")).asString().contains("the Batch API refused 3 batches in a row",
                    "token_limit_exceeded: Enqueued token limit reached for gpt-4o-mini");
            assertThat(meta(source).get("attempts")).isEqualTo(1);
            assertThat(meta(source).get("batch")).isNull();
        });
        assertThat(model.calls()).isZero();
        assertThat(log).contains("The Batch API refused batch batch_", "(1 in a row; its 600 documents go back to the "
                + "queue", "): token_limit_exceeded: Enqueued token limit", "(3 in a row;",
                "600 OpenAI documents fail: openai: the Batch API refused 3 batches in a row");

        String status = status();
        assertThat(status).contains("Batch API refusals: the last 3 batches of " + fixture.queueIndex()
                + " were refused", "token_limit_exceeded").doesNotContain("claimed        600");
        assertThat(status("--json")).contains("\"batch_refusals\":{", "\"count\":3",
                "\"reason\":\"token_limit_exceeded: Enqueued token limit reached for gpt-4o-mini");
    }

    private String status(String... flags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        String[] args = new String[flags.length + 1];
        args[0] = "status";
        System.arraycopy(flags, 0, args, 1, flags.length);
        int exit = Main.standard().run(args, new Console(fixture.settings(), print, print, clock));
        assertThat(exit).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLineTheProviderNamesFailsItsOwnDocumentAndTheOthersAreSubmittedAgain() throws Exception {
        NumberedDocuments documents = queue(10);
        batches.failsValidationOfLines(3, 7);
        try (Watcher watcher = Watcher.create(fixture.config(), clock, "lines")) {
            pass(watcher);
            List<String> lines = batches.uploads().getFirst();
            String third = documentOf(lines.get(2));
            String seventh = documentOf(lines.get(6));
            batches.statuses("validating", "completed");
            RunReport collecting = pass(watcher);

            assertThat(collecting.batch().failed()).isEqualTo(2);
            assertThat(collecting.batch().returned()).isEqualTo(8);
            assertThat(collecting.batch().refusals().refused()).as("not a refusal of the batch").isZero();
            assertThat(collecting.batch().submitted()).as("the other eight, at once").isEqualTo(8);
            Map<String, Map<String, Object>> queued = documents.queued();
            for (String failed : List.of(third, seventh)) {
                assertThat(meta(queued.get(failed)).get("error")).asString().contains("the Batch API refused line",
                        "invalid_value: Line ", "the model 'gpt-nope' does not exist");
                assertThat(meta(queued.get(failed)).get("attempts")).isEqualTo(1);
            }
            pass(watcher);
        }
        assertThat(documents.stored()).hasSize(8);
        assertThat(model.callsPerMarker()).hasSize(8);
    }

    private static String documentOf(String line) throws Exception {
        String customId = dev.llmwatcher.json.Json.mapper().readTree(line).path("custom_id").asText();
        return customId.substring(customId.indexOf(':') + 1);
    }

    @Test
    void inTheAutoModeThreeRefusalsInARowSendTheDocumentsToDirectCalls() {
        NumberedDocuments documents = queue(30);
        fixture.with("LLM_WATCHER_BATCH_MODE", "auto").with("LLM_WATCHER_BATCH_MIN_DOCUMENTS", "10");
        batches.refusesOverTheEnqueuedTokenLimit(MINI);
        try (Watcher watcher = Watcher.create(fixture.config(), clock, "auto")) {
            for (int i = 0; i < 5; i++) {
                RunReport report = pass(watcher);
                assertThat(report.processed()).as("nothing is called directly before the third refusal").isZero();
                clock.advance(Duration.ofMinutes(6 * (i + 1)));
            }
            RunReport third = pass(watcher);
            assertThat(third.batch().refusals().refused()).isEqualTo(1);
            assertThat(third.processed()).as("called directly once the third batch was refused").isEqualTo(30);
        }
        assertThat(batches.batchesCreated()).isEqualTo(3);
        assertThat(documents.notStoredCorrectly()).isEmpty();
    }
}
