package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.ChildJava;
import dev.llmwatcher.testing.FakeLlmServer;
import dev.llmwatcher.testing.FakeLlmServer.Reply;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.UtcDay;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ceiling holds across a fleet: three drainer processes (each its own JVM, as three command-line watchers or
 * Lambda instances are) start on one queue whose model has a daily budget worth about 100 calls, and together spend
 * between 0.8 and 1.25 of it, each document called at most once. Calls take a second, four at a time per drainer, so
 * the three are calling at the same time; completions vary from 10 to 50 tokens, so estimates are wrong both ways.
 */
class BudgetRaceTest {

    private static final int DOCUMENTS = 300;
    private static final int DRAINERS = 3;
    private static final long BUDGET = 5_000;
    private static final Pattern PROCESSED = Pattern.compile("Processed (\\d+) documents of");

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final WatcherFixture fixture = Secrets.configure(WatcherFixture.withFakeProviders(es))
            .with("LLM_WATCHER_BATCH_SIZE", "10").with("LLM_WATCHER_CONCURRENCY", "4")
            .with("LLM_WATCHER_DAILY_TOKEN_BUDGET", "gpt-4o-mini=" + BUDGET);
    private final AtomicLong billed = new AtomicLong();

    /** A numbered document's answer, billed at a token per four prompt characters plus 10, and 10-50 completion. */
    private Reply billed(FakeLlmServer.Request request) {
        int n = NumberedDocuments.numberOf(request);
        long prompt = request.prompt().length() / 4 + 10;
        long completion = 10 + (n * 7919L) % 41;
        billed.addAndGet(prompt + completion);
        return Reply.success("{\"value\": " + NumberedDocuments.valueFor(n) + "}", prompt, completion, "stop");
    }

    @Test
    void threeDrainerProcessesTogetherSpendTheBudgetWithinItsBound(@TempDir Path workDir) throws Exception {
        UtcDay.lastsAtLeast(Duration.ofMinutes(6));
        NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                TestElasticsearch.uniqueIndex("race-target"), DOCUMENTS);
        documents.queue(n -> "openai", n -> "gpt-4o-mini");
        fixture.openAi().latency(Duration.ofSeconds(1)).countBy(NumberedDocuments::documentOf)
                .respondWith(this::billed);

        List<ChildJava.Result> results = new ArrayList<>();
        try (ExecutorService drainers = Executors.newFixedThreadPool(DRAINERS)) {
            List<Future<ChildJava.Result>> running = new ArrayList<>();
            for (int i = 0; i < DRAINERS; i++) {
                running.add(drainers.submit(() -> ChildJava.run(workDir, fixture.settings(),
                        "dev.llmwatcher.cli.Main", "--once")));
            }
            for (Future<ChildJava.Result> drainer : running) {
                results.add(drainer.get());
            }
        }

        List<Integer> processed = results.stream().map(BudgetRaceTest::processed).toList();
        String index = fixture.settings().get("LLM_WATCHER_TOKEN_BUDGET_INDEX");
        String day = LocalDate.now(ZoneOffset.UTC) + "/gpt-4o-mini";
        long ledger = es.source(index, day).map(d -> ((Number) d.get("spent")).longValue()).orElse(0L);
        long ledgerWrites = ((Number) es.get("/" + index + "/_doc/" + day.replace("/", "%2F")).json()
                .get("_version")).longValue();
        double ratio = billed.get() / (double) BUDGET;
        System.out.printf(Locale.ROOT, "Budget race: %d drainer processes, budget %,d tokens, billed %,d (%.3f of "
                        + "it), the ledger counts %,d after %d writes; %d calls; documents processed per drainer "
                        + "%s%n", DRAINERS, BUDGET, billed.get(), ratio, ledger, ledgerWrites,
                fixture.openAi().calls(), processed);

        assertThat(results).allSatisfy(result -> assertThat(result.exitStatus()).as(result.stderr()).isZero());
        assertThat(processed).as("all three drained").allSatisfy(count -> assertThat(count).isPositive());
        assertThat(ratio).isBetween(0.8, 1.25);
        assertThat(ledger).as("the ledger counts what was billed").isEqualTo(billed.get());
        assertThat(ledgerWrites).as("one ledger write per chunk, not per call").isLessThan(fixture.openAi().calls());
        assertThat(fixture.openAi().callsPerMarker()).allSatisfy((id, calls) -> assertThat(calls).as(id)
                .isEqualTo(1));
        assertThat(documents.stored()).hasSize(fixture.openAi().calls());
    }

    /** Documents a drainer's passes processed, from its log lines. */
    private static int processed(ChildJava.Result result) {
        Matcher matcher = PROCESSED.matcher(result.stdout() + result.stderr());
        int processed = 0;
        while (matcher.find()) {
            processed += Integer.parseInt(matcher.group(1));
        }
        return processed;
    }
}
