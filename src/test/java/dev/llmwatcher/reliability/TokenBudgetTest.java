package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.ChildJava;
import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.MutableClock;
import dev.llmwatcher.testing.StderrCapture;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.UtcDay;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daily token budget against the real cluster and the local provider servers: a spent budget stops its model and
 * nothing else, leaves its documents untouched, costs nothing more until it is raised or the UTC day rolls over; a
 * crashed drainer's share comes back; a gateway's spent budget is honoured the same way.
 */
class TokenBudgetTest {

    private static final String MINI = "gpt-4o-mini";
    private static final String BUDGET = "LLM_WATCHER_DAILY_TOKEN_BUDGET";

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = Secrets.configure(WatcherFixture.withFakeProviders(es))
            .with("LLM_WATCHER_BATCH_SIZE", "10").with("LLM_WATCHER_CONCURRENCY", "4");
    /** Tokens each document's answers cost, as the providers reported them. */
    private final Map<String, Long> tokensByDocument = new ConcurrentHashMap<>();

    /**
     * A numbered document's right answer, billed as a provider would: about a token per four characters of prompt
     * and a little overhead, and 30 completion tokens (about 49 tokens a call).
     */
    private Reply billed(FakeLlmServer.Request request) {
        long prompt = request.prompt().length() / 4 + 10;
        tokensByDocument.merge(NumberedDocuments.documentOf(request), prompt + 30, Long::sum);
        return Reply.success("{\"value\": " + NumberedDocuments.valueFor(NumberedDocuments.numberOf(request)) + "}",
                prompt, 30, "stop");
    }

    private NumberedDocuments queue(int count, IntPredicate onMini) {
        return queue(count, onMini, n -> false);
    }

    /** Documents of the mini model (OpenAI), of gpt-4o (OpenAI) and of llama3.3 (Ollama), as the predicates say. */
    private NumberedDocuments queue(int count, IntPredicate onMini, IntPredicate onGpt4o) {
        NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                TestElasticsearch.uniqueIndex("budget-target"), count);
        documents.queue(n -> onMini.test(n) || onGpt4o.test(n) ? "openai" : "ollama",
                n -> onMini.test(n) ? MINI : onGpt4o.test(n) ? "gpt-4o" : "llama3.3");
        fixture.openAi().countBy(NumberedDocuments::documentOf).respondWith(this::billed);
        fixture.ollama().countBy(NumberedDocuments::documentOf).respondWith(this::billed);
        return documents;
    }

    private long tokensOf(IntPredicate documents, int count) {
        return IntStream.range(0, count).filter(documents)
                .mapToLong(n -> tokensByDocument.getOrDefault(NumberedDocuments.id(n), 0L)).sum();
    }

    /** The queue documents still queued that carry no error, no attempt and no live claim: untouched. */
    @SuppressWarnings("unchecked")
    private List<String> untouched(NumberedDocuments documents) {
        return documents.queued().entrySet().stream().filter(entry -> {
            Map<String, Object> meta = (Map<String, Object>) entry.getValue().get("_llm_watcher");
            return !meta.containsKey("error") && !meta.containsKey("attempts") && meta.get("claim") == null;
        }).map(Map.Entry::getKey).toList();
    }

    @Test
    void aSpentBudgetStopsItsModelOnlyAndRaisingItDrainsTheRestWithoutPayingForAnyDocumentTwice() throws Exception {
        UtcDay.lastsAtLeast(Duration.ofMinutes(3));
        IntPredicate mini = n -> n < 30;
        IntPredicate gpt4o = n -> n >= 30 && n < 40;
        NumberedDocuments documents = queue(50, mini, gpt4o);
        fixture.with(BUDGET, MINI + "=1000,gpt-4o=100000");
        String log;
        try (StderrCapture stderr = StderrCapture.start()) {
            Drain.untilEmpty(fixture);
            log = stderr.text();
        }
        int openAiCalls = fixture.openAi().calls();
        int miniCalls = openAiCalls - 10;
        long miniTokens = tokensOf(mini, 50);
        long gpt4oTokens = tokensOf(gpt4o, 50);

        Drain.untilEmpty(fixture);
        int callsOfTheFurtherRun = fixture.openAi().calls() - openAiCalls;
        List<String> waiting = untouched(documents);
        fixture.with(BUDGET, MINI + "=100000");
        Drain.untilEmpty(fixture);

        assertThat(miniCalls).as("about 1,000 / 49 calls").isBetween(15, 22);
        assertThat(miniTokens).isBetween(800L, 1_250L);
        assertThat(gpt4oTokens).as("another budgeted model goes on: all 10 of its documents").isEqualTo(10 * 49L);
        assertThat(fixture.ollama().calls()).as("a model without a budget goes on").isEqualTo(10);
        assertThat(waiting).hasSize(30 - miniCalls);
        assertThat(log).contains("Daily token budget for gpt-4o-mini spent (", " of 1,000): " + waiting.size()
                + " documents wait until 00:00 UTC").doesNotContain("Error processing document");
        assertThat(callsOfTheFurtherRun).as("a further run spends nothing").isZero();
        assertThat(documents.notStoredCorrectly()).isEmpty();
        assertThat(fixture.openAi().callsPerMarker()).hasSize(40).allSatisfy((id, calls) ->
                assertThat(calls).as(id).isEqualTo(1));
    }

    @Test
    void theUtcDayRollingOverBringsAFreshBudget() throws Exception {
        NumberedDocuments documents = queue(40, n -> true);
        fixture.with(BUDGET, MINI + "=500");
        MutableClock clock = new MutableClock();
        Instant midnight = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1)
                .atStartOfDay(ZoneOffset.UTC).toInstant();
        clock.advance(Duration.between(clock.instant(), midnight.minusSeconds(30)));
        LocalDate firstDay = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);

        int firstDayCalls;
        int secondDayCalls;
        try (Watcher watcher = Watcher.create(fixture.config(), clock, "rollover")) {
            drain(watcher, clock);
            firstDayCalls = fixture.openAi().calls();
            clock.advance(Duration.ofSeconds(60));
            drain(watcher, clock);
            secondDayCalls = fixture.openAi().calls() - firstDayCalls;
        }

        assertThat(firstDayCalls).as("about 500 / 49 calls").isBetween(7, 11);
        assertThat(secondDayCalls).isBetween(7, 11);
        assertThat(spent(firstDay)).isBetween(400L, 625L);
        assertThat(spent(firstDay.plusDays(1))).isBetween(400L, 625L);
        assertThat(untouched(documents)).hasSize(40 - firstDayCalls - secondDayCalls);
    }

    /** Passes as {@code --once} runs them, on {@code clock}'s time. */
    private static void drain(Watcher watcher, Clock clock) {
        for (int pass = 0; pass < 20; pass++) {
            RunReport report = watcher.runPass(Selection.NEW, clock.instant().plusSeconds(60), Integer.MAX_VALUE,
                    StopSignal.never());
            if (report.backlog() == 0 && report.found() == 0) {
                return;
            }
        }
    }

    /** The tokens the ledger counts as spent on {@code day} for the mini model. */
    private long spent(LocalDate day) {
        return es.source(fixture.settings().get("LLM_WATCHER_TOKEN_BUDGET_INDEX"), day + "/" + MINI)
                .map(source -> ((Number) source.get("spent")).longValue()).orElse(0L);
    }

    /**
     * A drainer process is killed with two calls in flight, holding a share. Its calls take far longer than the test,
     * so nothing it does by itself can give the share back: only the lease's end (2 × 60 + 60 s for a 60 s
     * {@code --llm-timeout}, on a clock moved forward) can. The child reads the system clock, so the test first makes
     * sure the UTC day (the ledger's) outlasts it and the moved clock.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aCrashedDrainersShareComesBackOnceItsLeaseEnds(@TempDir Path workDir) throws Exception {
        UtcDay.lastsAtLeast(Duration.ofMinutes(8));
        // more documents than the child can claim ahead of its calls (concurrency + a page + two write-backs of 50,
        // 112 here, which it may reach before it is killed on a loaded machine), so the rest of the budget and the
        // crashed share both find documents nobody holds
        NumberedDocuments documents = queue(240, n -> true);
        fixture.with(BUDGET, MINI + "=2000").with("LLM_WATCHER_LLM_TIMEOUT", "60")
                .with("LLM_WATCHER_CONCURRENCY", "2");
        String ledger = fixture.settings().get("LLM_WATCHER_TOKEN_BUDGET_INDEX");
        String today = LocalDate.now(ZoneOffset.UTC) + "/" + MINI;
        CountDownLatch inFlight = new CountDownLatch(2);
        fixture.openAi().respondWith(request -> {
            inFlight.countDown();
            return Reply.delayed(Duration.ofMinutes(15), Reply.text("{}"));
        });

        ChildJava.Started child = ChildJava.start(workDir, fixture.settings(), "dev.llmwatcher.cli.Main", "--once");
        boolean calling = inFlight.await(120, TimeUnit.SECONDS);
        Optional<Map<String, Object>> leased = es.source(ledger, today);
        child.process().destroyForcibly().waitFor();
        fixture.openAi().respondWith(this::billed);
        assertThat(calling).as("the child's calls reached the provider; its stderr: %s",
                Files.readString(child.err())).isTrue();
        List<Map<String, Object>> leases = (List<Map<String, Object>>) leased.orElseThrow().get("leases");
        long crashedShare = ((Number) leases.getFirst().get("tokens")).longValue();

        int beforeExpiry = drainAndCountStored(documents, Clock.systemUTC());
        MutableClock later = new MutableClock();
        later.advance(Duration.ofSeconds(2 * 60 + 60 + 30));
        int afterExpiry = drainAndCountStored(documents, later) - beforeExpiry;

        long storedTokens = tokensOf(n -> documents.stored().containsKey(NumberedDocuments.id(n)), 240);
        assertThat(crashedShare).isBetween(500L, 1_100L);
        assertThat(beforeExpiry * 49L).as("the rest of the budget, the crashed share still held")
                .isBetween(2_000 - crashedShare - 150, 2_000 - crashedShare + 100);
        assertThat(afterExpiry * 49L).as("the crashed share, back").isBetween(crashedShare - 150, crashedShare + 100);
        assertThat(storedTokens).isLessThanOrEqualTo(2_000);
    }

    private int drainAndCountStored(NumberedDocuments documents, Clock clock) {
        try (Watcher watcher = Watcher.create(fixture.config(), clock, "after-crash")) {
            drain(watcher, clock);
        }
        return documents.stored().size();
    }

    @Test
    void aGatewaysSpentBudgetLeavesItsDocumentsUntouchedWhileOtherProvidersGoOn() throws Exception {
        UtcDay.lastsAtLeast(Duration.ofMinutes(3));
        NumberedDocuments documents = queue(30, n -> n < 20);
        String refusal = "Budget has been exceeded! Team=reviews Current cost: 10.51, Max budget: 10.0";
        fixture.openAi().respond(FakeOpenAiServer.budgetExceeded(422, refusal));
        RunReport first;
        RunReport second;
        String log;
        int firstCalls;
        try (StderrCapture stderr = StderrCapture.start(); Watcher watcher = fixture.watcher()) {
            first = watcher.runPass(StopSignal.never());
            firstCalls = fixture.openAi().calls();
            second = watcher.runPass(StopSignal.never());
            log = stderr.text();
        }

        assertThat(firstCalls).as("the calls in flight when it first refused").isBetween(1, 4);
        assertThat(fixture.openAi().calls() - firstCalls).as("the next pass asks again").isBetween(1, 4);
        assertThat(first.failed() + second.failed()).isZero();
        assertThat(fixture.ollama().calls()).isEqualTo(10);
        assertThat(documents.stored()).hasSize(10);
        assertThat(untouched(documents)).hasSize(20);
        assertThat(log).contains("A budget is spent at the gateway: OpenAI-compatible server at "
                + fixture.openAi().baseUrl() + " answered 422: " + refusal);
        assertThat(log.split("A budget is spent at the gateway", -1)).as("one line per pass").hasSize(3);
    }
}
