package dev.llmwatcher.reliability;

import dev.llmwatcher.app.Watcher;
import dev.llmwatcher.config.ConfigReader;
import dev.llmwatcher.engine.RunReport;
import dev.llmwatcher.engine.StopSignal;
import dev.llmwatcher.queue.Claim;
import dev.llmwatcher.queue.QueuePart;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.FakeOllamaServer;
import dev.llmwatcher.testing.FakeOpenAiServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.llmwatcher.queue.QueueTestSupport.ids;
import static dev.llmwatcher.queue.QueueTestSupport.scanAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fleet of drainers over one queue (issue 28): each works its own part of the queue, so they answer every document
 * once and seldom race for the same one; a drainer that stopped without releasing its claims leaves its documents to
 * the others once its leases end.
 */
class FleetClaimsTest {

    private static final int PAGE = 8;

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Test
    void eightDrainersAnswerEveryDocumentOnceAndSeldomRaceForOne() throws Exception {
        int documentsCount = 1200;
        int drainers = 8;
        List<RunReport> reports = new ArrayList<>();
        try (FakeOllamaServer ollama = new FakeOllamaServer(); FakeOpenAiServer openAi = new FakeOpenAiServer()) {
            WatcherFixture fixture = fixture(ollama, openAi);
            NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                    TestElasticsearch.uniqueIndex("fleet"), documentsCount);
            documents.queue(n -> "ollama");
            ollama.latency(Duration.ofMillis(20)).countBy(NumberedDocuments::documentOf)
                    .respondWith(NumberedDocuments::correctAnswer);

            CyclicBarrier together = new CyclicBarrier(drainers);
            try (ExecutorService runs = Executors.newFixedThreadPool(drainers)) {
                List<Future<List<RunReport>>> futures = new ArrayList<>();
                for (int drainer = 0; drainer < drainers; drainer++) {
                    String name = "fleet-" + drainer;
                    futures.add(runs.submit(() -> Drain.untilEmpty(fixture, name, together)));
                }
                for (Future<List<RunReport>> future : futures) {
                    reports.addAll(future.get());
                }
            }

            Map<String, Integer> calls = ollama.callsPerMarker();
            long lost = reports.stream().mapToLong(RunReport::skipped).sum();
            System.out.printf("Fleet: %d documents, %d drainers, %d passes, claims lost to another drainer %d%n",
                    documentsCount, drainers, reports.size(), lost);
            assertThat(calls).hasSize(documentsCount).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
            assertThat(documents.notStoredCorrectly()).isEmpty();
            assertThat(es.count(fixture.queueIndex())).isZero();
            assertThat(reports.stream().mapToInt(RunReport::processed).sum()).isEqualTo(documentsCount);
            // Racing for the same first page, as before the parts, loses about (drainers - 1) claims per document.
            assertThat(lost).as("claims lost to another drainer").isLessThan(documentsCount / 4);
        }
    }

    @Test
    void theDocumentsOfADrainerThatStoppedWithoutReleasingAreTakenOverWhenItsLeasesEnd() throws Exception {
        int documentsCount = 8 * PAGE * 8;
        Duration lease = Duration.ofMinutes(10);
        try (FakeOllamaServer ollama = new FakeOllamaServer(); FakeOpenAiServer openAi = new FakeOpenAiServer()) {
            WatcherFixture fixture = fixture(ollama, openAi);
            NumberedDocuments documents = new NumberedDocuments(es, fixture.queueIndex(),
                    TestElasticsearch.uniqueIndex("crashed"), documentsCount);
            documents.queue(n -> "ollama");
            ollama.latency(Duration.ofMillis(5)).countBy(NumberedDocuments::documentOf)
                    .respondWith(NumberedDocuments::correctAnswer);
            Instant now = Instant.now();
            QueueQuery query = new QueueQuery(fixture.queueIndex(), Selection.NEW, now, Optional.empty(), PAGE);
            List<QueuedDocument> held = new ArrayList<>();
            for (int part = 0; part < 3; part++) {
                held.addAll(scanAll(es.queueStore(), query.inPart(new QueuePart(part, 8))));
            }
            assertThat(es.queueStore().claim(fixture.queueIndex(), held, new Claim("crashed", now.plus(lease))))
                    .hasSameSizeAs(held);

            drain(fixture, Clock.systemUTC());
            assertThat(documents.queued().keySet()).as("only the stopped drainer's documents wait")
                    .containsExactlyInAnyOrderElementsOf(ids(held));
            drain(fixture, Clock.offset(Clock.systemUTC(), lease.plusSeconds(1)));

            assertThat(documents.notStoredCorrectly()).isEmpty();
            assertThat(es.count(fixture.queueIndex())).isZero();
            assertThat(ollama.callsPerMarker()).hasSize(documentsCount)
                    .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        }
    }

    private WatcherFixture fixture(FakeOllamaServer ollama, FakeOpenAiServer openAi) {
        return Secrets.configure(new WatcherFixture(es, ollama, openAi))
                .with("LLM_WATCHER_BATCH_SIZE", Integer.toString(PAGE)).with("LLM_WATCHER_CONCURRENCY", "8");
    }

    private static void drain(WatcherFixture fixture, Clock clock) throws Exception {
        try (Watcher watcher = Watcher.create(ConfigReader.read(fixture.settings()), clock, "survivor")) {
            for (int pass = 0; pass < 10; pass++) {
                RunReport report = watcher.runPass(Selection.NEW, clock.instant().plusSeconds(60),
                        Integer.MAX_VALUE, StopSignal.never());
                if (report.found() == 0) {
                    return;
                }
            }
        }
    }
}
