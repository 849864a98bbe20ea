package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.ModelBudget;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.BatchApiServers;
import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOpenAiBatchServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.UtcDay;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daily token budget in the batch drain mode, against the real cluster and a server speaking OpenAI's Files and
 * Batches API: a submission holds its estimate before its upload and is settled at the batch price (half) at
 * collection; a spent budget submits nothing and leaves its documents untouched.
 */
class BatchSpendTest {

    private static final String MINI = "gpt-4o-mini";
    private static final String BUDGET = "LLM_WATCHER_DAILY_TOKEN_BUDGET";

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final BatchApiServers servers = new BatchApiServers().completingAtOnce();
    private final FakeOpenAiServer model = servers.model();
    private final FakeOpenAiBatchServer batches = servers.batches();
    private final WatcherFixture fixture = servers.fixture(es)
            .with("LLM_WATCHER_BATCH_MODE", "always")
            .with("LLM_WATCHER_BATCH_SIZE", "100");
    /** Tokens the provider billed (in full, before the batch discount). */
    private final AtomicLong billed = new AtomicLong();

    /** A numbered document's right answer, billed about a token per four characters of prompt and 30 completion. */
    private Reply billed(FakeLlmServer.Request request) {
        long prompt = request.prompt().length() / 4 + 10;
        billed.addAndGet(prompt + 30);
        return Reply.success("{\"value\": " + NumberedDocuments.valueFor(NumberedDocuments.numberOf(request)) + "}",
                prompt, 30, "stop");
    }

    private NumberedDocuments queue(int count) {
        NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                TestElasticsearch.uniqueIndex("batch-spend-target"), count);
        documents.queue(n -> "openai", n -> MINI);
        model.countBy(NumberedDocuments::documentOf).respondWith(this::billed);
        return documents;
    }

    private static RunReport pass(Watcher watcher) {
        return watcher.runPass(Selection.NEW, Instant.now().plusSeconds(120), Integer.MAX_VALUE, StopSignal.never());
    }

    /** The mini model's day in the ledger: spent, and the tokens live holds still have. */
    @SuppressWarnings("unchecked")
    private long[] ledger() {
        Map<String, Object> day = es.source(fixture.settings().get("LLM_WATCHER_TOKEN_BUDGET_INDEX"),
                LocalDate.now(ZoneOffset.UTC) + "/" + MINI).orElseThrow();
        long held = ((List<Map<String, Object>>) day.getOrDefault("leases", List.of())).stream()
                .filter(lease -> Instant.parse((String) lease.get("until")).isAfter(Instant.now()))
                .mapToLong(lease -> ((Number) lease.get("tokens")).longValue()).sum();
        return new long[] {((Number) day.get("spent")).longValue(), held};
    }

    /** Every test reads "today" in the ledger, which the drains it runs wrote on the system clock's UTC day. */
    @BeforeEach
    void theDayOutlastsTheTest() throws InterruptedException {
        UtcDay.lastsAtLeast(Duration.ofMinutes(3));
    }

    @Test
    void aSubmissionHoldsItsEstimateAndIsSettledAtHalfTheBilledTokens() {
        NumberedDocuments documents = queue(20);
        fixture.with(BUDGET, MINI + "=1000000");
        long heldWhileOpen;
        try (Watcher watcher = fixture.watcher()) {
            RunReport submitting = pass(watcher);
            assertThat(submitting.batch().submitted()).isEqualTo(20);
            heldWhileOpen = ledger()[1];
            es.refresh(fixture.queueIndex());
            pass(watcher);
        }

        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(heldWhileOpen).as("the submission's estimate, at the batch price, held while it is open")
                .isGreaterThan(billed.get() / 2);
        assertThat(ledger()[0]).as("half of what the provider billed, rounded up").isEqualTo((billed.get() + 1) / 2);
        assertThat(ledger()[1]).as("nothing held once collected").isZero();
    }

    @Test
    void aSpentBudgetSubmitsNothingAndItsDocumentsWaitUntouchedUntilItIsRaised() {
        NumberedDocuments documents = queue(20);
        fixture.with(BUDGET, MINI + "=40");
        RunReport refused;
        try (Watcher watcher = fixture.watcher()) {
            refused = pass(watcher);
            es.refresh(fixture.queueIndex());
            pass(watcher);
        }

        assertThat(batches.uploads()).as("nothing was uploaded").isEmpty();
        assertThat(refused.batch().submitted()).isZero();
        assertThat(refused.failed()).isZero();
        assertThat(refused.budgets()).singleElement().satisfies(budget -> {
            assertThat(budget.model()).isEqualTo(MINI);
            assertThat(budget.blocksDocuments()).isTrue();
            assertThat(budget.waitingDocuments()).isEqualTo(20);
        });
        assertThat(documents.queued()).hasSize(20).allSatisfy((id, source) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> meta = (Map<String, Object>) source.get("_llm_watcher");
            assertThat(meta.get("claim")).isNull();
            assertThat(meta.get("batch")).isNull();
            assertThat(meta).doesNotContainKeys("error", "attempts");
        });

        fixture.with(BUDGET, MINI + "=1000000");
        try (Watcher watcher = fixture.watcher()) {
            for (int i = 0; i < 4 && es.count(fixture.queueIndex()) > 0; i++) {
                pass(watcher);
                es.refresh(fixture.queueIndex());
            }
        }
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(model.callsPerMarker()).hasSize(20).allSatisfy((id, calls) -> assertThat(calls).isEqualTo(1));
        assertThat(ledger()[0]).isEqualTo((billed.get() + 1) / 2);
    }

    @Test
    void aRefusedBatchGivesItsHoldBackAndCostsNothing() {
        queue(20);
        fixture.with(BUDGET, MINI + "=1000000");
        batches.refusesOverTheEnqueuedTokenLimit(MINI);
        long heldWhileOpen;
        RunReport refused;
        try (Watcher watcher = fixture.watcher()) {
            pass(watcher);
            heldWhileOpen = ledger()[1];
            es.refresh(fixture.queueIndex());
            refused = pass(watcher);
        }

        assertThat(heldWhileOpen).isPositive();
        assertThat(refused.batch().refusals().refused()).isEqualTo(1);
        assertThat(ledger()).as("spent, held").containsExactly(0, 0);
    }

    @Test
    void aBudgetThatCoversPartOfASubmissionSendsThatPartAndTheRestWaits() {
        NumberedDocuments documents = queue(20);
        fixture.with(BUDGET, MINI + "=1500");
        RunReport first;
        try (Watcher watcher = fixture.watcher()) {
            first = pass(watcher);
        }

        assertThat(first.batch().submitted()).isBetween(1, 19);
        assertThat(batches.uploads()).singleElement().satisfies(lines ->
                assertThat(lines).hasSize(first.batch().submitted()));
        assertThat(first.budgets()).extracting(ModelBudget::model).containsExactly(MINI);
        assertThat(documents.queued()).hasSize(20);
    }
}
